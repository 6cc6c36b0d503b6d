import SubscriptionsTransportWS

/// Why a connection could not be made or did not last.
///
/// Operations that were live when the connection ended for good fail with the same error.
public enum GraphQLWebSocketClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL is not a `ws`, `wss`, `http` or `https` URL with a host.
    case invalidURL(String)
    /// No WebSocket could be opened: the host was not found, the TCP connection was refused or timed
    /// out, or TLS failed.
    case connectionFailed(reason: String)
    /// The server answered the upgrade request with an HTTP status other than 101. Servers that
    /// negotiate during the upgrade (as this package's Hummingbird adapter does) answer so when they
    /// serve none of the offered subprotocols.
    case upgradeRefused(status: Int, reasonPhrase: String)
    /// The server accepted the WebSocket with a subprotocol the client did not offer, or without one
    /// and then closed because it serves none of the offered subprotocols.
    case noCommonSubprotocol(offered: [String], answered: String?)
    /// No `connection_ack` arrived within the configured time.
    case connectionAckTimeout(Duration)
    /// The server stopped showing signs of life: no `ka` (on `graphql-ws`) or no `pong` (on
    /// `graphql-transport-ws`) arrived within the configured time.
    case keepAliveTimeout(Duration)
    /// The server rejected the connection with a `connection_error` message (`graphql-ws`); its payload.
    case connectionRejected(payload: JSONValue)
    /// The server closed the connection.
    case closed(ConnectionClose)
    /// The server sent something that is not a message of the negotiated protocol.
    case invalidServerMessage(String)
    /// The client was closed (its connection scope ended) while the operation was live.
    case clientClosed

    /// Whether connecting again may succeed, by the rule of the `graphql-ws` library's client (see
    /// ``ConnectionClose/isRetryable``): lost or unreachable connections and timeouts are retried;
    /// refusals, rejections and protocol errors are not, except HTTP statuses that ask for a retry
    /// (408, 429 and 5xx).
    public var isRetryable: Bool {
        switch self {
        case .connectionFailed, .connectionAckTimeout, .keepAliveTimeout: true
        case .upgradeRefused(let status, _): status == 408 || status == 429 || status >= 500
        case .closed(let close): close.isRetryable
        case .invalidURL, .noCommonSubprotocol, .connectionRejected, .invalidServerMessage, .clientClosed: false
        }
    }

    /// What went wrong, for people, in one line.
    public var description: String {
        switch self {
        case .invalidURL(let url):
            "Invalid WebSocket URL \(url)"
        case .connectionFailed(let reason):
            "Could not connect: \(reason)"
        case .upgradeRefused(let status, let reasonPhrase):
            "The server refused the WebSocket upgrade with HTTP \(status) \(reasonPhrase)"
                + (status == 400 ? " (it may not serve the offered subprotocols)" : "")
        case .noCommonSubprotocol(let offered, let answered):
            "No common subprotocol: offered \(offered.joined(separator: ", ")), server answered "
                + (answered.map { "\($0)" } ?? "with none")
        case .connectionAckTimeout(let timeout):
            "No connection_ack within \(timeout)"
        case .keepAliveTimeout(let timeout):
            "The server showed no sign of life for \(timeout)"
        case .connectionRejected(let payload):
            "The server rejected the connection: "
                + (payload.objectValue?["message"]?.stringValue ?? payload.encodedString)
        case .closed(let close):
            "The server closed the connection: \(close)"
        case .invalidServerMessage(let message):
            "Invalid message from the server: \(message)"
        case .clientClosed:
            "The client was closed"
        }
    }
}
