/// One GraphQL operation as a client asked for it in a `start` or `subscribe` message.
public struct OperationRequest: Sendable, Hashable {
    /// The GraphQL document text.
    public var query: String
    /// The variable values; empty when the client sent none or `null`.
    public var variables: JSONObject
    /// The name of the operation to run, when the document holds several.
    public var operationName: String?
    /// The request's `extensions` object (for example persisted-query hashes), if any.
    public var extensions: JSONObject?
    /// Every other member of the message payload, untouched, for hooks that read custom fields.
    public var otherPayloadFields: JSONObject

    /// Creates a request.
    public init(
        query: String,
        variables: JSONObject = [:],
        operationName: String? = nil,
        extensions: JSONObject? = nil,
        otherPayloadFields: JSONObject = [:]
    ) {
        self.query = query
        self.variables = variables
        self.operationName = operationName
        self.extensions = extensions
        self.otherPayloadFields = otherPayloadFields
    }
}
