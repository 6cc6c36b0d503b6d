/// How a WebSocket connection ended: the close code and reason the server sent.
public struct ConnectionClose: Sendable, Hashable, CustomStringConvertible {
    /// The close code, or `nil` when the close frame had none (1005) or the connection was lost
    /// without a close frame (1006 is then reported as the code).
    public var code: UInt16?
    /// The close reason, possibly empty.
    public var reason: String

    /// Creates a close description.
    ///
    /// - Parameters:
    ///   - code: The close code, `nil` when there was none.
    ///   - reason: The close reason.
    public init(code: UInt16?, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// What the close code means in these protocols, for people; `nil` for codes without a known
    /// meaning.
    public var meaning: String? {
        guard let code else { return "no close code" }
        return Self.meaning(ofCloseCode: code)
    }

    /// Whether a client should connect again after this close.
    ///
    /// This is the rule of the `graphql-ws` library's client: it gives up after 4500 (internal
    /// server error), 4005 (internal client error), 4400 (invalid message), 4004 (bad response), 4401
    /// (unauthorized), 4406 (subprotocol not acceptable), 4409 (duplicate subscriber), 4429 (too many
    /// initialisation requests) and the fatal 1xxx codes (all but 1000, 1001, 1005, 1006, 1012, 1013
    /// and 1014), and retries anything else, such as 4403 (forbidden: for example an expired token,
    /// which a new connection may renew), 4408, 4499 and 4504.
    public var isRetryable: Bool {
        guard let code else { return true }
        if [4500, 4005, 4400, 4004, 4401, 4406, 4409, 4429].contains(code) { return false }
        if [1000, 1001, 1005, 1006, 1012, 1013, 1014].contains(code) { return true }
        return !(1000...1999).contains(code)
    }

    /// The meaning of a close code in these protocols, for people.
    ///
    /// - Parameter code: A WebSocket close code.
    /// - Returns: A short phrase, or `nil` for a code without a known meaning.
    public static func meaning(ofCloseCode code: UInt16) -> String? {
        switch code {
        case 1000: "normal closure"
        case 1001: "going away (the server is shutting down)"
        case 1002: "protocol error (a graphql-ws server closes so when it does not serve the subprotocol)"
        case 1003: "unsupported data"
        case 1005: "no close code"
        case 1006: "connection lost without a close frame"
        case 1007: "invalid frame payload data"
        case 1008: "policy violation"
        case 1009: "message too big"
        case 1011: "internal error (a graphql-ws server closes so after connection_error: connection rejected)"
        case 1012: "service restart"
        case 1013: "try again later"
        case 1014: "bad gateway"
        case 4004: "bad response (the client received an invalid message)"
        case 4005: "internal client error"
        case 4400: "invalid message (the server received a message it could not accept)"
        case 4401: "unauthorized (operation before the connection was acknowledged)"
        case 4403: "forbidden (the server rejected the connection_init payload)"
        case 4406: "subprotocol not acceptable"
        case 4408: "connection initialisation timeout"
        case 4409: "subscriber for this operation id already exists"
        case 4429: "too many initialisation requests"
        case 4499: "terminated by the client"
        case 4500: "internal server error"
        case 4504: "connection acknowledgement timeout"
        default: nil
        }
    }

    /// The code, its meaning and the reason, for people; for example
    /// `4403 forbidden (the server rejected the connection_init payload): Forbidden`.
    public var description: String {
        var text = code.map(String.init) ?? "no close code"
        if code != nil, let meaning { text += " \(meaning)" }
        if !reason.isEmpty { text += ": \(reason)" }
        return text
    }
}
