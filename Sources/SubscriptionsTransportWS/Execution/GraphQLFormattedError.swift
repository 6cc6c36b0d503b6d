/// A GraphQL error in its wire form: `{"message", "locations"?, "path"?, "extensions"?}`.
public struct GraphQLFormattedError: Sendable, Hashable, Error, CustomStringConvertible {
    /// A position in the GraphQL document, counted from 1.
    public struct Location: Sendable, Hashable {
        /// The line, from 1.
        public var line: Int
        /// The column, from 1.
        public var column: Int

        /// Creates a location.
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// The error's message for people.
    public var message: String
    /// Where in the document the error is, if known.
    public var locations: [Location]
    /// The response path (field names and list indices) of the failing field, if any.
    public var path: [JSONValue]
    /// Extra machine-readable detail, if any.
    public var extensions: JSONObject?

    /// Creates an error.
    public init(message: String, locations: [Location] = [], path: [JSONValue] = [], extensions: JSONObject? = nil) {
        self.message = message
        self.locations = locations
        self.path = path
        self.extensions = extensions
    }

    /// The JSON object for this error; empty `locations` and `path` are omitted.
    public var jsonValue: JSONValue {
        var object: JSONObject = ["message": .string(message)]
        if !locations.isEmpty {
            object["locations"] = .array(
                locations.map { .object(["line": .integer($0.line), "column": .integer($0.column)]) }
            )
        }
        if !path.isEmpty { object["path"] = .array(path) }
        if let extensions { object["extensions"] = .object(extensions) }
        return .object(object)
    }

    /// A readable form, for logs and messages.
    public var description: String { message }
}
