import Benchmark
import Logging
import Prometheus
import SubscriptionsTransportWS
import SubscriptionsTransportWSObservability

/// Results that are all ready: the source never suspends, so what is measured is the protocol core
/// (framing, the outbound queue, batching), not the source.
struct ReadyResults: AsyncSequence, Sendable {
    let results: [ExecutionResult]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ExecutionResult>

        mutating func next() async throws -> ExecutionResult? {
            remaining.popFirst()
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> ExecutionResult? {
            remaining.popFirst()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: results[...]) }
}

/// Answers every operation with the same ready results (a subscription) or one result (a query).
struct ReadyExecutor: GraphQLExecutor {
    let results: [ExecutionResult]

    func execute(_ request: OperationRequest, context: JSONObject) async throws -> ExecutionOutcome {
        results.count == 1 ? .single(results[0]) : .stream(ReadyResults(results: results))
    }
}

/// Runs one connection: init, then `operations` operations one after another (each to its end),
/// draining the outbound queue batch by batch as a transport would. Returns the frames written.
func drive(
    _ server: GraphQLWebSocketServer<ReadyExecutor>,
    speaking subprotocol: WebSocketSubprotocol,
    operations: Int
) async -> Int {
    let connection = server.makeConnection(speaking: subprotocol)
    let start = subprotocol == .graphQLTransportWS ? "subscribe" : "start"
    let end = Array(#"{"type":"complete""#.utf8)
    return await withTaskGroup(of: Int.self) { group in
        group.addTask {
            await connection.run()
            return 0
        }
        connection.receive(.text(#"{"type":"connection_init"}"#))
        // graphql-transport-ws clients wait for the acknowledgement before subscribing.
        var written = 0
        acknowledged: while let batch = await connection.outbound.nextBatch() {
            for case .text(let bytes) in batch {
                written += 1
                if bytes.starts(with: Array(#"{"type":"connection_ack""#.utf8)) { break acknowledged }
            }
        }
        for operation in 0..<operations {
            connection.receive(
                .text(#"{"id":"\#(operation)","type":"\#(start)","payload":{"query":"subscription { counter }"}}"#)
            )
            var completed = false
            while !completed, let batch = await connection.outbound.nextBatch() {
                for case .text(let bytes) in batch {
                    written += 1
                    if bytes.starts(with: end) { completed = true }
                }
            }
        }
        connection.transportClosed()
        await group.waitForAll()
        return written
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    let events = (0..<1_000).map { ExecutionResult(encodedJSON: Array(#"{"data":{"counter":\#($0)}}"#.utf8)) }
    let streaming = GraphQLWebSocketServer(executor: ReadyExecutor(results: events))
    let query = GraphQLWebSocketServer(
        executor: ReadyExecutor(results: [ExecutionResult(encodedJSON: Array(#"{"data":{"hello":"Hello world"}}"#.utf8))])
    )

    // The same stream with logs (at the default level, info) and Prometheus metrics on: the cost of
    // observing every message.
    let observed = GraphQLWebSocketServer(
        executor: ReadyExecutor(results: events),
        observer: LoggingMetricsObserver(
            logger: Logger(label: "benchmark"),
            metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        )
    )
    Benchmark("Subscription frames, graphql-transport-ws (1k per operation), logs and metrics on") { benchmark in
        for _ in 0..<(benchmark.scaledIterations.count / 1_000) {
            blackHole(await drive(observed, speaking: .graphQLTransportWS, operations: 1))
        }
    }

    // Throughput of result frames through one connection: scaled iterations are frames.
    for subprotocol in [WebSocketSubprotocol.graphQLTransportWS, .graphQLWS] {
        Benchmark("Subscription frames, \(subprotocol.name) (1k per operation)") { benchmark in
            for _ in 0..<(benchmark.scaledIterations.count / 1_000) {
                blackHole(await drive(streaming, speaking: subprotocol, operations: 1))
            }
        }

        // Per-operation cost of a query: parse `subscribe`/`start`, run, `next`, `complete`.
        Benchmark("Query operations, \(subprotocol.name)") { benchmark in
            blackHole(await drive(query, speaking: subprotocol, operations: benchmark.scaledIterations.count))
        }
    }

    // One inbound frame through a protocol state machine and its answer onto the outbound queue: a
    // `ping` answered with `pong`, decided synchronously in `receive`. Scaled iterations are frames.
    Benchmark("Ping answered with pong, graphql-transport-ws (state machine per frame)") { benchmark in
        let connection = query.makeConnection(speaking: .graphQLTransportWS)
        let ping = InboundFrame.text(#"{"type":"ping","payload":{"t":1}}"#)
        for _ in benchmark.scaledIterations {
            connection.receive(ping)
            blackHole(connection.outbound.takeReady())
        }
        connection.transportClosed()
    }

    Benchmark("Parse a subscribe message") { benchmark in
        let frame = Array(
            #"{"id":"0b8e1f9a-62a4-4d7a-9d55-5f6c2b0e7c11","type":"subscribe","payload":{"query":"subscription OnMessage($channel: String!) { messages(channel: $channel) { id text } }","variables":{"channel":"general"},"operationName":"OnMessage"}}"#
                .utf8
        )
        for _ in benchmark.scaledIterations {
            blackHole(try? JSONValue.parse(frame))
        }
    }
}
