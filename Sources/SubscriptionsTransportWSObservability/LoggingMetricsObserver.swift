import CoreMetrics
import Logging
import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// Logs a server's connection events with swift-log and counts them with swift-metrics.
///
/// Pass it to a server; any swift-metrics backend (Prometheus, StatsD, OpenTelemetry) then sees:
///
/// | Metric | Kind | Dimensions |
/// |---|---|---|
/// | `graphql_ws_connections` | meter: open connections | `protocol` |
/// | `graphql_ws_connections_opened_total` | counter | `protocol` |
/// | `graphql_ws_operations` | meter: live operations | `protocol` |
/// | `graphql_ws_operations_started_total` | counter | `protocol` |
/// | `graphql_ws_messages_received_total`, `graphql_ws_messages_sent_total` | counter | `protocol` |
/// | `graphql_ws_received_bytes_total`, `graphql_ws_sent_bytes_total` | counter | `protocol` |
/// | `graphql_ws_errors_total` | counter | `protocol`, `kind` (`operation`, `connect_hook`) |
/// | `graphql_ws_closes_total` | counter | `protocol`, `code` (`none` without one), `initiator` |
///
/// `graphql_ws` is the default prefix. Log messages are at `debug` level (connections, operations,
/// closes), `trace` (every message's size) and `info` (a connect hook that threw), with the metadata
/// `graphql_ws.connection.id`, `graphql_ws.subprotocol` and, where it applies,
/// `graphql_ws.operation.id`, `graphql_ws.operation.name`, `graphql_ws.error`,
/// `graphql_ws.close.code`, `graphql_ws.close.reason` and `graphql_ws.close.initiator`.
/// Connection parameters, variables and results are never logged: they may carry tokens and
/// personal data, and the server does not hand them to observers.
public struct LoggingMetricsObserver: GraphQLWebSocketObserver {
    private let logger: Logger
    private let graphQLTransportWSMetrics: ProtocolMetrics
    private let graphQLWSMetrics: ProtocolMetrics
    private let closes: CloseCounters

    /// Creates an observer.
    ///
    /// - Parameters:
    ///   - logger: Where to log; its level decides what is logged.
    ///   - metricsFactory: The metrics backend; by default the one `MetricsSystem.bootstrap` installed,
    ///     so bootstrap it before creating the observer.
    ///   - prefix: The first part of every metric's name.
    public init(logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory, prefix: String = "graphql_ws") {
        self.logger = logger
        graphQLTransportWSMetrics = ProtocolMetrics(subprotocol: .graphQLTransportWS, prefix: prefix, factory: metricsFactory)
        graphQLWSMetrics = ProtocolMetrics(subprotocol: .graphQLWS, prefix: prefix, factory: metricsFactory)
        closes = CloseCounters(label: "\(prefix)_closes_total", factory: metricsFactory)
    }

    /// Counts the event and logs it.
    ///
    /// - Parameters:
    ///   - event: What happened.
    ///   - connection: The connection it happened on.
    public func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection) {
        let metrics = connection.subprotocol == .graphQLTransportWS ? graphQLTransportWSMetrics : graphQLWSMetrics
        switch event {
        case .opened:
            metrics.openConnections.increment()
            metrics.connectionsOpened.increment()
            log(.debug, "GraphQL WebSocket connection opened", connection)
        case .acknowledged:
            log(.debug, "Connection acknowledged", connection)
        case .refused:
            log(.debug, "Connection refused by the connect hook", connection)
        case .connectHookFailed(let message):
            metrics.connectHookErrors.increment()
            log(.info, "Connect hook failed", connection, ["graphql_ws.error": "\(message)"])
        case .messageReceived(let bytes):
            metrics.messagesReceived.increment()
            metrics.bytesReceived.increment(by: bytes)
            log(.trace, "Message received", connection, ["graphql_ws.bytes": "\(bytes)"])
        case .messagesSent(let count, let bytes):
            metrics.messagesSent.increment(by: count)
            metrics.bytesSent.increment(by: bytes)
            log(.trace, "Messages sent", connection, ["graphql_ws.messages": "\(count)", "graphql_ws.bytes": "\(bytes)"])
        case .operationStarted(let id, let name, _):
            metrics.liveOperations.increment()
            metrics.operationsStarted.increment()
            var metadata: Logger.Metadata = ["graphql_ws.operation.id": "\(id.key)"]
            if let name { metadata["graphql_ws.operation.name"] = "\(name)" }
            log(.debug, "Operation started", connection, metadata)
        case .operationEnded(let id, let end):
            metrics.liveOperations.decrement()
            switch end {
            case .completed:
                log(.debug, "Operation completed", connection, ["graphql_ws.operation.id": "\(id.key)"])
            case .stopped:
                log(.debug, "Operation stopped", connection, ["graphql_ws.operation.id": "\(id.key)"])
            case .failed(let message):
                metrics.operationErrors.increment()
                log(.debug, "Operation failed", connection, ["graphql_ws.operation.id": "\(id.key)", "graphql_ws.error": "\(message)"])
            }
        case .closed(let closure, let initiator):
            metrics.openConnections.decrement()
            let code = closure.code.map(String.init) ?? "none"
            let side = initiator == .server ? "server" : "client"
            closes.counter(protocol: connection.subprotocol.name, code: code, initiator: side).increment()
            log(
                .debug,
                "GraphQL WebSocket connection closed",
                connection,
                ["graphql_ws.close.code": "\(code)", "graphql_ws.close.reason": "\(closure.reason)", "graphql_ws.close.initiator": "\(side)"]
            )
        }
    }

    private func log(
        _ level: Logger.Level,
        _ message: @autoclosure () -> Logger.Message,
        _ connection: ObservedConnection,
        _ metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        logger.log(level: level, message(), metadata: connectionMetadata(connection).merging(metadata()) { $1 })
    }

    private func connectionMetadata(_ connection: ObservedConnection) -> Logger.Metadata {
        ["graphql_ws.connection.id": "\(connection.id)", "graphql_ws.subprotocol": "\(connection.subprotocol.name)"]
    }
}

/// The metrics of one subprotocol, made once so that events only increment them.
private struct ProtocolMetrics: Sendable {
    let openConnections: Meter
    let connectionsOpened: Counter
    let liveOperations: Meter
    let operationsStarted: Counter
    let messagesReceived: Counter
    let messagesSent: Counter
    let bytesReceived: Counter
    let bytesSent: Counter
    let operationErrors: Counter
    let connectHookErrors: Counter

    init(subprotocol: WebSocketSubprotocol, prefix: String, factory: any MetricsFactory) {
        let dimensions = [("protocol", subprotocol.name)]
        func counter(_ name: String) -> Counter {
            Counter(label: "\(prefix)_\(name)", dimensions: dimensions, factory: factory)
        }
        func meter(_ name: String) -> Meter {
            Meter(label: "\(prefix)_\(name)", dimensions: dimensions, factory: factory)
        }
        openConnections = meter("connections")
        connectionsOpened = counter("connections_opened_total")
        liveOperations = meter("operations")
        operationsStarted = counter("operations_started_total")
        messagesReceived = counter("messages_received_total")
        messagesSent = counter("messages_sent_total")
        bytesReceived = counter("received_bytes_total")
        bytesSent = counter("sent_bytes_total")
        operationErrors = Counter(label: "\(prefix)_errors_total", dimensions: dimensions + [("kind", "operation")], factory: factory)
        connectHookErrors = Counter(label: "\(prefix)_errors_total", dimensions: dimensions + [("kind", "connect_hook")], factory: factory)
    }
}

/// Close counters by protocol, code and initiator, made on first use.
private final class CloseCounters: Sendable {
    private struct Key: Hashable {
        let subprotocol: String
        let code: String
        let initiator: String
    }

    private let label: String
    private let factory: any MetricsFactory
    private let counters = Lock<[Key: Counter]>([:])

    init(label: String, factory: any MetricsFactory) {
        self.label = label
        self.factory = factory
    }

    func counter(protocol subprotocol: String, code: String, initiator: String) -> Counter {
        let key = Key(subprotocol: subprotocol, code: code, initiator: initiator)
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: label,
                dimensions: [("protocol", subprotocol), ("code", code), ("initiator", initiator)],
                factory: factory
            )
            counters[key] = counter
            return counter
        }
    }
}
