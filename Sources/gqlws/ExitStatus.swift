import SubscriptionsTransportWSClient

/// The process exit statuses of `gqlws`, one per kind of failure (listed in `gqlws --help`).
enum ExitStatus: Int32, Sendable {
    case success = 0
    /// Anything not covered below.
    case failure = 1
    /// A bad option, URL, JSON value or header.
    case usage = 2
    /// No WebSocket: connection refused, upgrade refused, no common subprotocol.
    case connectionFailed = 3
    /// The server closed or rejected the connection.
    case closedByServer = 4
    /// The server reported GraphQL errors.
    case graphQLErrors = 5
    /// No acknowledgement in time, a dead server, or `--timeout` ran out.
    case timeout = 6

    /// The status for an error of the client library.
    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case is GraphQLOperationError:
            return .graphQLErrors
        case let error as GraphQLWebSocketClientError:
            switch error {
            case .invalidURL: return .usage
            case .connectionFailed, .upgradeRefused, .noCommonSubprotocol: return .connectionFailed
            case .closed, .connectionRejected: return .closedByServer
            case .connectionAckTimeout, .keepAliveTimeout: return .timeout
            case .invalidServerMessage, .clientClosed: return .failure
            }
        default:
            return .failure
        }
    }
}
