import GraphQL
import SubscriptionsTransportWS

extension GraphQLFormattedError {
    /// Converts an error from GraphQLSwift into its wire form.
    ///
    /// The message, locations, path and extensions are kept as they are.
    ///
    /// - Parameter error: The GraphQLSwift error.
    public init(_ error: GraphQLError) {
        var extensions: JSONObject?
        if !error.extensions.isEmpty {
            var object = JSONObject(minimumCapacity: error.extensions.count)
            for (key, value) in error.extensions where !value.isUndefined {
                object[key] = JSONValue(map: value)
            }
            extensions = object
        }
        self.init(
            message: error.message,
            locations: error.locations.map { Location(line: $0.line, column: $0.column) },
            path: error.path.elements.map { element in
                switch element {
                case .index(let index): .integer(index)
                case .key(let key): .string(key)
                }
            },
            extensions: extensions
        )
    }

    /// Converts a GraphQLSwift syntax error, rewording its message as graphql-js does.
    ///
    /// GraphQLSwift writes `Syntax Error <source name> (<line>:<column>) <description>` followed by
    /// an excerpt of the document. Clients expect graphql-js's `Syntax Error: <description>.`, and
    /// the position is already in `locations`, so the excerpt is dropped. A message in any other
    /// shape is kept unchanged.
    ///
    /// - Parameters:
    ///   - error: The error thrown by `parse`.
    ///   - sourceName: The name given to the `Source` that was parsed.
    init(syntaxError error: GraphQLError, sourceName: String) {
        self.init(error)
        let prefix = "Syntax Error \(sourceName) ("
        guard error.message.hasPrefix(prefix),
            let position = error.message.dropFirst(prefix.count).firstRange(of: ") ")
        else { return }
        var description = error.message[position.upperBound...]
        if let excerpt = description.firstRange(of: "\n\n") {
            description = description[..<excerpt.lowerBound]
        }
        guard !description.isEmpty else { return }
        message = "Syntax Error: \(description)\(description.hasSuffix(".") ? "" : ".")"
    }
}
