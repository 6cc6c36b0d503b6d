import SubscriptionsConcurrency
import SubscriptionsTransportWS
import Tracing

/// Reports a server's connections and operations as distributed-tracing spans
/// (swift-distributed-tracing): a span per connection, and a span per operation as its child.
///
/// The connection span starts when the connection is acknowledged (or at its first operation, on
/// `graphql-ws` without `connection_init`) and ends when the connection closes. Its parent is the
/// caller's trace when the `connection_init` payload or, failing that, the upgrade request carries
/// a W3C trace context (`traceparent`, `tracestate`), read by the tracer's own propagation. An
/// operation span is named after the operation (`subscription Ticks`) and carries the OpenTelemetry
/// GraphQL attributes `graphql.operation.name` and `graphql.operation.type`; an operation that
/// fails ends with an error status.
///
/// ```swift
/// let server = GraphQLWebSocketServer(executor: executor, observer: TracingObserver(tracer: tracer))
/// ```
///
/// Bootstrap an exporter (swift-otel, for example) in the application; the library depends only on
/// swift-distributed-tracing.
public final class TracingObserver<T: Tracer>: GraphQLWebSocketObserver {
    private struct ConnectionSpans {
        var requestTraceHeaders: [String: String] = [:]
        var connection: T.Span?
        var operations: [OperationID: T.Span] = [:]
    }

    private let tracer: T
    private let connections = Lock<[UInt64: ConnectionSpans]>([:])

    /// Reports spans to `tracer`.
    public init(tracer: T) {
        self.tracer = tracer
    }

    /// Starts, ends and annotates spans for the event.
    public func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection) {
        switch event {
        case .opened(let traceHeaders):
            connections.withLock { $0[connection.id] = ConnectionSpans(requestTraceHeaders: traceHeaders) }
        case .acknowledged(let traceHeaders):
            connections.withLock { connections in
                guard connections[connection.id]?.connection == nil else { return }
                let headers = traceHeaders["traceparent"] != nil ? traceHeaders : connections[connection.id]?.requestTraceHeaders ?? [:]
                connections[connection.id, default: ConnectionSpans()].connection = startConnectionSpan(connection, headers)
            }
        case .operationStarted(let id, let name, let type):
            connections.withLock { connections in
                var spans = connections[connection.id, default: ConnectionSpans()]
                if spans.connection == nil { spans.connection = startConnectionSpan(connection, spans.requestTraceHeaders) }
                let parent = spans.connection!.context
                let spanName = [type?.rawValue, name].compactMap { $0 }.joined(separator: " ")
                let span = tracer.startSpan(spanName.isEmpty ? "GraphQL operation" : spanName, context: parent, ofKind: .server)
                if let name { span.attributes["graphql.operation.name"] = name }
                if let type { span.attributes["graphql.operation.type"] = type.rawValue }
                span.attributes["graphql.ws.operation.id"] = id.key
                spans.operations[id] = span
                connections[connection.id] = spans
            }
        case .operationEnded(let id, let end):
            let span = connections.withLock { $0[connection.id]?.operations.removeValue(forKey: id) }
            if case .failed(let message) = end { span?.setStatus(SpanStatus(code: .error, message: message)) }
            span?.end()
        case .closed(let closure, _):
            guard let spans = connections.withLock({ $0.removeValue(forKey: connection.id) }) else { return }
            for span in spans.operations.values { span.end() }
            if let code = closure.code { spans.connection?.attributes["graphql.ws.close.code"] = Int(code) }
            spans.connection?.end()
        case .refused, .connectHookFailed, .messageReceived, .messagesSent:
            break
        }
    }

    private func startConnectionSpan(_ connection: ObservedConnection, _ traceHeaders: [String: String]) -> T.Span {
        var context = InstrumentationContext.topLevel
        tracer.extract(traceHeaders, into: &context, using: DictionaryExtractor())
        let span = tracer.startSpan("GraphQL WebSocket connection", context: context, ofKind: .server)
        span.attributes["graphql.ws.subprotocol"] = connection.subprotocol.name
        span.attributes["graphql.ws.connection.id"] = Int(connection.id)
        return span
    }
}

/// Reads propagation fields from a dictionary of header-like fields.
private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key] ?? carrier[key.lowercased()]
    }
}
