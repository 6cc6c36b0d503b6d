import CoreMetrics
import InMemoryLogging
import Logging
import MetricsTestKit
import Prometheus
import SubscriptionsTransportWS
import SubscriptionsTransportWSObservability
import SubscriptionsTransportWSTesting
import Testing

/// An observer on an in-memory log and test metrics, and a way to run connections through it.
private struct ObservedServer {
    let log = InMemoryLogHandler()
    let metrics = TestMetrics()
    let executor: TestExecutor<JSONObject>
    let server: GraphQLWebSocketServer<TestExecutor<JSONObject>>

    init(
        executor: TestExecutor<JSONObject> = TestExecutor(),
        onConnect: @escaping @Sendable (JSONObject) async throws -> ConnectionDecision<JSONObject> = { .accept($0) }
    ) {
        var logger = Logger(label: "test") { [log] _ in log }
        logger.logLevel = .trace
        self.executor = executor
        server = GraphQLWebSocketServer(
            executor: executor,
            hooks: ServerHooks(onConnect: onConnect),
            graphQLWS: GraphQLWSServerOptions(keepAlive: .disabled),
            observer: LoggingMetricsObserver(logger: logger, metricsFactory: metrics)
        )
    }

    /// Runs one connection; returns the text messages it sent.
    func connect(
        _ subprotocol: WebSocketSubprotocol,
        _ body: (TestConnection<ServerConnection<TestExecutor<JSONObject>>>) async throws -> Void
    ) async throws -> [[UInt8]] {
        let probe: ConnectionProbe = subprotocol == .graphQLWS ? .graphQLWS : .graphQLTransportWS
        let sent = try await withTestConnection(server.makeConnection(speaking: subprotocol), probe: probe) { connection in
            try await body(connection)
            return connection
        }.sentMessages
        return sent.compactMap { if case .text(let bytes) = $0 { bytes } else { nil } }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) throws -> Int64 {
        try metrics.expectCounter(label, dimensions).totalValue
    }

    func meter(_ label: String, _ subprotocol: WebSocketSubprotocol) throws -> [Double] {
        try metrics.expectMeter(label, [("protocol", subprotocol.name)]).values
    }
}

@Suite("Logging and metrics observer")
struct LoggingMetricsObserverTests {
    @Test func aSubscriptionIsCountedAndLoggedWithoutItsSecrets() async throws {
        let observed = ObservedServer()
        let transportWS = [("protocol", "graphql-transport-ws")]
        let sent = try await observed.connect(.graphQLTransportWS) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"token":"s3cret-token"}}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(
                #"{"id":"7","type":"subscribe","payload":{"query":"subscription Ticks { t }","operationName":"Ticks","variables":{"password":"hunter2"}}}"#
            )
            let source = try #require(await observed.executor.call(0).source)
            source.emit(["data": ["t": 1]])
            source.emit(["data": ["t": 2]])
            source.finish()
            try await connection.expect(#"{"id":"7","type":"next","payload":{"data":{"t":1}}}"#)
            try await connection.expect(#"{"id":"7","type":"next","payload":{"data":{"t":2}}}"#)
            try await connection.expect(#"{"id":"7","type":"complete"}"#)
            #expect(try observed.meter("graphql_ws_connections", .graphQLTransportWS) == [1])
        }

        #expect(try observed.meter("graphql_ws_connections", .graphQLTransportWS) == [1, 0])
        #expect(try observed.meter("graphql_ws_operations", .graphQLTransportWS) == [1, 0])
        #expect(try observed.counter("graphql_ws_connections_opened_total", transportWS) == 1)
        #expect(try observed.counter("graphql_ws_operations_started_total", transportWS) == 1)
        #expect(try observed.counter("graphql_ws_messages_received_total", transportWS) == 2)
        #expect(try observed.counter("graphql_ws_messages_sent_total", transportWS) == Int64(sent.count))
        #expect(try observed.counter("graphql_ws_sent_bytes_total", transportWS) == Int64(sent.reduce(0) { $0 + $1.count }))
        #expect(try observed.counter("graphql_ws_errors_total", transportWS + [("kind", "operation")]) == 0)
        #expect(
            try observed.counter("graphql_ws_closes_total", transportWS + [("code", "none"), ("initiator", "client")]) == 1
        )

        let entries = observed.log.entries
        #expect(entries.allSatisfy { $0.metadata["graphql_ws.connection.id"] == "1" })
        #expect(entries.allSatisfy { $0.metadata["graphql_ws.subprotocol"] == "graphql-transport-ws" })
        let started = try #require(entries.first { $0.message == "Operation started" })
        #expect(started.metadata["graphql_ws.operation.id"] == "7")
        #expect(started.metadata["graphql_ws.operation.name"] == "Ticks")
        #expect(entries.contains { $0.message == "Operation completed" && $0.level == .debug })
        for entry in entries {
            let text = "\(entry.message) \(entry.metadata)"
            #expect(!text.contains("s3cret-token") && !text.contains("hunter2"), "\(text)")
        }
    }

    @Test func failedOperationsAndConnectHooksAreErrorsAndClosesCountByCode() async throws {
        let observed = ObservedServer(
            executor: TestExecutor { _, _, _ in .rejected([GraphQLFormattedError(message: "Unknown field")]) },
            onConnect: { payload in
                guard payload["fail"] == nil else { throw TestError("directory offline") }
                return .accept(payload)
            }
        )
        _ = try await observed.connect(.graphQLWS) { connection in
            await connection.send(#"{"type":"connection_init","payload":{}}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(#"{"id":"1","type":"start","payload":{"query":"{ nope }"}}"#)
            try await connection.expect(#"{"type":"data","id":"1","payload":{"errors":[{"message":"Unknown field"}]}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            await connection.send(#"{"type":"connection_terminate"}"#)
            try await connection.expectClose(code: 1000, reason: "")
        }
        _ = try await observed.connect(.graphQLTransportWS) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"fail":true}}"#)
            try await connection.expectClose(code: 4500, reason: "directory offline")
        }

        let graphQLWS = [("protocol", "graphql-ws")]
        let transportWS = [("protocol", "graphql-transport-ws")]
        #expect(try observed.counter("graphql_ws_errors_total", graphQLWS + [("kind", "operation")]) == 1)
        #expect(try observed.counter("graphql_ws_errors_total", transportWS + [("kind", "connect_hook")]) == 1)
        #expect(try observed.counter("graphql_ws_closes_total", graphQLWS + [("code", "1000"), ("initiator", "server")]) == 1)
        #expect(try observed.counter("graphql_ws_closes_total", transportWS + [("code", "4500"), ("initiator", "server")]) == 1)
        #expect(try observed.meter("graphql_ws_operations", .graphQLWS) == [1, 0])

        let failure = try #require(observed.log.entries.first { $0.message == "Connect hook failed" })
        #expect(failure.level == .info)
        #expect(failure.metadata["graphql_ws.error"] == "directory offline")
        #expect(failure.metadata["graphql_ws.connection.id"] == "2")
        let failedOperation = try #require(observed.log.entries.first { $0.message == "Operation failed" })
        #expect(failedOperation.metadata["graphql_ws.error"] == "Unknown field")
    }

    @Test func prometheusExportsEveryMetricWithItsLabels() async throws {
        let registry = PrometheusCollectorRegistry()
        let server = GraphQLWebSocketServer(
            executor: TestExecutor<JSONObject> { _, _, _ in .single(ExecutionResult(["data": ["hello": "world"]])) },
            graphQLWS: GraphQLWSServerOptions(keepAlive: .disabled),
            observer: LoggingMetricsObserver(logger: Logger(label: "test"), metricsFactory: PrometheusMetricsFactory(registry: registry))
        )
        for subprotocol in [WebSocketSubprotocol.graphQLWS, .graphQLTransportWS] {
            let probe: ConnectionProbe = subprotocol == .graphQLWS ? .graphQLWS : .graphQLTransportWS
            try await withTestConnection(server.makeConnection(speaking: subprotocol), probe: probe) { connection in
                await connection.send(#"{"type":"connection_init"}"#)
                try await connection.expect(#"{"type":"connection_ack"}"#)
                let start = subprotocol == .graphQLWS ? "start" : "subscribe"
                await connection.send(#"{"id":"1","type":"\#(start)","payload":{"query":"{ hello }"}}"#)
                _ = try await connection.next()
                try await connection.expect(#"{"id":"1","type":"complete"}"#)
            }
        }
        let exposition = registry.emitToString()
        func value(_ series: String) -> Double? {
            exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        for name in ["graphql-ws", "graphql-transport-ws"] {
            #expect(value(#"graphql_ws_connections_opened_total{protocol="\#(name)"}"#) == 1, "\(exposition)")
            #expect(value(#"graphql_ws_connections{protocol="\#(name)"}"#) == 0)
            #expect(value(#"graphql_ws_operations_started_total{protocol="\#(name)"}"#) == 1)
            #expect(value(#"graphql_ws_messages_received_total{protocol="\#(name)"}"#) == 2)
            #expect(value(#"graphql_ws_closes_total{protocol="\#(name)",code="none",initiator="client"}"#) == 1)
        }
    }
}
