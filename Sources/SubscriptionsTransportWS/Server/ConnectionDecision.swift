/// What a connect hook decided about a client's `connection_init`.
public enum ConnectionDecision<Context: Sendable>: Sendable {
    /// Accept the connection. `context` reaches every operation's executor; `acknowledgementPayload`,
    /// if any, is sent as the payload of `connection_ack`.
    case accept(Context, acknowledgementPayload: JSONObject? = nil)
    /// Refuse the connection. `graphql-ws` sends `connection_error` with `message` and closes with 1011;
    /// `graphql-transport-ws` closes with 4403 "Forbidden".
    case reject(message: String = "Prohibited connection!")
}
