import InMemoryTracing
import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import SubscriptionsTransportWSTracing
import Testing
import Tracing

/// The in-memory tracer of swift-distributed-tracing, with W3C `traceparent` propagation as an
/// OpenTelemetry tracer has it (the in-memory tracer propagates its own fields only).
struct W3CInMemoryTracer: Tracer {
    let base = InMemoryTracer()

    func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> InstrumentationContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> InMemorySpan {
        base.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line)
    }

    func forceFlush() { base.forceFlush() }

    func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        base.inject(context, into: &carrier, using: injector)
    }

    /// `traceparent: 00-<trace id>-<parent span id>-<flags>` becomes the remote parent.
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let parent = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = parent.split(separator: "-")
        guard parts.count == 4 else { return }
        context.inMemorySpanContext = InMemorySpanContext(traceID: String(parts[1]), spanID: String(parts[2]), parentSpanID: nil)
    }
}

@Suite("Tracing: a span per connection and per operation")
struct TracingObserverTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"
    static let traceparent = "00-\(traceID)-\(callerSpanID)-01"

    private func run(
        tracer: W3CInMemoryTracer,
        request: UpgradeRequest = UpgradeRequest(),
        executor: TestExecutor<JSONObject> = TestExecutor(),
        _ body: (TestConnection<ServerConnection<TestExecutor<JSONObject>>>) async throws -> Void
    ) async throws {
        let server = GraphQLWebSocketServer(executor: executor, observer: TracingObserver(tracer: tracer))
        let connection = server.makeConnection(speaking: .graphQLTransportWS, request: request)
        try await withTestConnection(connection, probe: .graphQLTransportWS, body)
    }

    @Test func anInitPayloadTraceparentContinuesTheCallersTrace() async throws {
        let tracer = W3CInMemoryTracer()
        let executor = TestExecutor<JSONObject>()
        try await run(tracer: tracer, executor: executor) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"traceparent":"\#(Self.traceparent)"}}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(#"{"id":"1","type":"subscribe","payload":{"query":"subscription Ticks { t }","operationName":"Ticks"}}"#)
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": 1]])
            source.finish()
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"t":1}}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            connection.closeTransport()
            try await connection.expectEnd()
        }
        let spans = tracer.base.finishedSpans
        let connectionSpan = try #require(spans.first { $0.operationName == "GraphQL WebSocket connection" })
        let operationSpan = try #require(spans.first { $0.operationName == "subscription Ticks" })
        #expect(connectionSpan.traceID == Self.traceID)
        #expect(connectionSpan.parentSpanID == Self.callerSpanID)
        #expect(operationSpan.traceID == Self.traceID)
        #expect(operationSpan.parentSpanID == connectionSpan.spanID)
        #expect(operationSpan.attributes["graphql.operation.name"]?.toSpanAttribute() == .string("Ticks"))
        #expect(operationSpan.attributes["graphql.operation.type"]?.toSpanAttribute() == .string("subscription"))
        #expect(operationSpan.status == nil)
    }

    @Test func anUpgradeRequestTraceparentIsUsedWithoutOneInTheInitPayload() async throws {
        let tracer = W3CInMemoryTracer()
        let request = UpgradeRequest(headerFields: [.init(name: "traceparent", value: Self.traceparent)])
        let executor = TestExecutor<JSONObject>(handler: { _, _, _ in .rejected([GraphQLFormattedError(message: "Bad field")]) })
        try await run(tracer: tracer, request: request, executor: executor) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(#"{"id":"1","type":"subscribe","payload":{"query":"{ bad }"}}"#)
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Bad field"}]}"#)
            connection.closeTransport()
            try await connection.expectEnd()
        }
        let spans = tracer.base.finishedSpans
        let connectionSpan = try #require(spans.first { $0.operationName == "GraphQL WebSocket connection" })
        let operationSpan = try #require(spans.first { $0.operationName == "query" })
        #expect(connectionSpan.parentSpanID == Self.callerSpanID)
        #expect(operationSpan.parentSpanID == connectionSpan.spanID)
        #expect(operationSpan.status?.code == .error)
    }

    @Test func withoutATraceparentTheConnectionStartsATrace() async throws {
        let tracer = W3CInMemoryTracer()
        try await run(tracer: tracer) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            connection.closeTransport()
            try await connection.expectEnd()
        }
        let connectionSpan = try #require(tracer.base.finishedSpans.first)
        #expect(connectionSpan.parentSpanID == nil)
        #expect(connectionSpan.attributes["graphql.ws.subprotocol"]?.toSpanAttribute() == .string("graphql-transport-ws"))
    }
}
