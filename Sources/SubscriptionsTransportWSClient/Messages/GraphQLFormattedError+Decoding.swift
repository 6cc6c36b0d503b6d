import SubscriptionsTransportWS

extension GraphQLFormattedError {
    /// Decodes an error object as servers send it: `{"message", "locations"?, "path"?, "extensions"?}`.
    ///
    /// Decoding never fails, because an error is worth showing even when malformed: a value that is
    /// not an object, or has no string `message`, becomes an error whose message is the value's
    /// JSON text; malformed `locations` entries are skipped.
    ///
    /// - Parameter value: The JSON value of one error.
    public init(decoding value: JSONValue) {
        guard case .object(let object) = value, case .string(let message)? = object["message"] else {
            self.init(message: value.encodedString)
            return
        }
        var locations: [Location] = []
        if case .array(let entries)? = object["locations"] {
            for entry in entries {
                guard case .integer(let line)? = entry.objectValue?["line"],
                    case .integer(let column)? = entry.objectValue?["column"]
                else { continue }
                locations.append(Location(line: line, column: column))
            }
        }
        var path: [JSONValue] = []
        if case .array(let elements)? = object["path"] { path = elements }
        self.init(message: message, locations: locations, path: path, extensions: object["extensions"]?.objectValue)
    }

    /// Decodes the error payload of an operation in any of the shapes servers use.
    ///
    /// `graphql-transport-ws` sends an array of errors; Apollo's `graphql-ws` server sends one error
    /// object, and some servers wrap errors as `{"errors": [...]}`. Like Apollo's client, all three
    /// are accepted; anything else becomes one error carrying the payload's JSON text.
    ///
    /// - Parameter payload: The payload of an `error` message.
    /// - Returns: At least one error.
    static func decodeList(_ payload: JSONValue?) -> [GraphQLFormattedError] {
        switch payload {
        case .array(let elements)? where !elements.isEmpty:
            return elements.map { GraphQLFormattedError(decoding: $0) }
        case .object(let object)?:
            if case .array(let elements)? = object["errors"], !elements.isEmpty {
                return elements.map { GraphQLFormattedError(decoding: $0) }
            }
            return [GraphQLFormattedError(decoding: .object(object))]
        case let other?:
            return [GraphQLFormattedError(message: other.encodedString)]
        case nil:
            return [GraphQLFormattedError(message: "Unknown error")]
        }
    }
}
