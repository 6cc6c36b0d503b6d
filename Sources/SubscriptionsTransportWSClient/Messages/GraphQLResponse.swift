import SubscriptionsTransportWS

/// One GraphQL result as the server sent it: the payload of a `data` (`graphql-ws`) or `next`
/// (`graphql-transport-ws`) message.
///
/// A result may carry data, errors, or both: a field that failed while others succeeded yields
/// partial `data` with `errors`, and on `graphql-ws` a request that failed validation yields a single
/// result with only `errors`.
public struct GraphQLResponse: Sendable, Hashable {
    /// The `data` member, if present (it may be JSON `null`).
    public var data: JSONValue?
    /// The `errors` member, empty when absent.
    public var errors: [GraphQLFormattedError]
    /// The `extensions` member, if present.
    public var extensions: JSONObject?
    /// The whole payload, exactly as decoded, including members this type does not model.
    public var jsonValue: JSONValue

    /// Creates a response from a result payload.
    ///
    /// Members of the wrong type are ignored rather than rejected, so that a result from a lenient
    /// server still reaches the caller through ``jsonValue``.
    ///
    /// - Parameter payload: The payload of a `data` or `next` message.
    public init(payload: JSONValue) {
        let object = payload.objectValue ?? [:]
        self.data = object["data"]
        if case .array(let errors)? = object["errors"] {
            self.errors = errors.map { GraphQLFormattedError(decoding: $0) }
        } else {
            self.errors = []
        }
        self.extensions = object["extensions"]?.objectValue
        self.jsonValue = payload
    }

    /// Whether the result carries at least one error.
    public var hasErrors: Bool { !errors.isEmpty }
}
