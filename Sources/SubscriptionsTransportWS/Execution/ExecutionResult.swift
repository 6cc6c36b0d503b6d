/// One GraphQL execution result (`{"data": …, "errors": […]}`), already encoded as a JSON object.
///
/// Results are encoded once by the executor; protocol frames splice these bytes into their envelope,
/// so a result fanned out to many subscribers is never re-encoded per subscriber.
public struct ExecutionResult: Sendable, Hashable {
    /// The UTF-8 bytes of the JSON object.
    public let encodedJSON: [UInt8]

    /// Wraps bytes that already hold one JSON object.
    ///
    /// - Parameter encodedJSON: UTF-8 JSON text of an object; it is not checked.
    public init(encodedJSON: [UInt8]) {
        self.encodedJSON = encodedJSON
    }

    /// Encodes a JSON value as a result.
    public init(_ value: JSONValue) {
        self.encodedJSON = value.encoded
    }

    /// A result that carries only `errors`.
    public init(errors: [GraphQLFormattedError]) {
        self.init(.object(["errors": .array(errors.map(\.jsonValue))]))
    }

    /// The result as a JSON value (parses the bytes).
    public var jsonValue: JSONValue? {
        try? JSONValue.parse(encodedJSON)
    }
}
