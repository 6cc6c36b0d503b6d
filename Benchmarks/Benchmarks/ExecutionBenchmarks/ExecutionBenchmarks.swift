import Benchmark
import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Synchronization

/// One event of the benchmark subscription: a small object with a scalar, a string and a list.
struct Tick: Sendable {
    let n: Int
    let label: String
    let tags: [String]
}

/// `count` events, ready at once: the source never suspends, so what is measured is execution.
struct ReadyTicks: AsyncSequence, Sendable {
    let count: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var next = 0
        let count: Int

        mutating func next() async throws -> Tick? {
            guard next < count else { return nil }
            defer { next += 1 }
            return Tick(n: next, label: "tick \(next)", tags: ["a", "b"])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count) }
}

/// A live topic for the fan-out benchmark: every subscription of the shared execution gets each
/// published number.
final class Topic: Sendable {
    private let continuations = Mutex<[AsyncStream<Int>.Continuation]>([])

    func stream() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        continuations.withLock { $0.append(continuation) }
        return stream
    }

    func publish(_ value: Int) {
        for continuation in continuations.withLock({ $0 }) { continuation.yield(value) }
    }
}

/// `subscription { ticks(count: Int!): Tick! }` and `subscription { topic: Int! }`.
func makeSchema(topic: Topic) throws -> GraphQLSchema {
    let tick = try GraphQLObjectType(
        name: "Tick",
        fields: [
            "n": GraphQLField(type: GraphQLNonNull(GraphQLInt)) { source, _, _, _ in (source as? Tick)?.n },
            "label": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in (source as? Tick)?.label },
            "tags": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))) { source, _, _, _ in
                (source as? Tick)?.tags
            },
        ]
    )
    return try GraphQLSchema(
        query: GraphQLObjectType(name: "Query", fields: ["ok": GraphQLField(type: GraphQLBoolean) { _, _, _, _ in true }]),
        subscription: GraphQLObjectType(
            name: "Subscription",
            fields: [
                "ticks": GraphQLField(
                    type: GraphQLNonNull(tick),
                    args: ["count": GraphQLArgument(type: GraphQLNonNull(GraphQLInt))],
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, arguments, _, _ in ReadyTicks(count: arguments["count"].int ?? 0) }
                ),
                "topic": GraphQLField(
                    type: GraphQLNonNull(GraphQLInt),
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, _, _, _ in topic.stream() }
                ),
            ]
        ),
        types: [tick]
    )
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )
    let topic = Topic()
    let schema = try! makeSchema(topic: topic)

    // Per-event execution of `{ n label tags }`: GraphQLSwift's `execute` per event (through
    // `graphqlSubscribe`, with its task and stream bridge), against the plan. Scaled iterations
    // are events.
    for execution in [SubscriptionExecution.graphQLSwift, .planned] {
        let executor = try! GraphQLSwiftExecutor<JSONObject>(schema: schema, subscriptionExecution: execution)
        let name = execution == .planned ? "planned" : "GraphQLSwift execute"
        Benchmark("Subscription event execution, \(name)") { benchmark in
            let request = OperationRequest(query: "subscription { ticks(count: \(benchmark.scaledIterations.count)) { n label tags } }")
            guard case .stream(let results) = try await executor.execute(request, context: [:]) else {
                fatalError("not a stream")
            }
            for try await result in results { blackHole(result) }
        }
    }

    // One event of a shared execution reaching 1,000 subscribers: 100 connections with 10
    // subscriptions each, their frames queued on the connections' outbound queues and taken.
    let shared = try! GraphQLSwiftExecutor<JSONObject>(
        schema: schema,
        subscriptionSharing: .sharing(fields: ["topic"], contextKey: { _ in "all" })
    )
    let server = GraphQLWebSocketServer(executor: shared, graphQLTransportWS: .init(connectionInitWaitTimeout: nil))
    Benchmark("Shared execution, one event to 1,000 subscribers (100 connections × 10)", configuration: .init(scalingFactor: .one)) {
        benchmark in
        let connections = (0..<100).map { _ in server.makeConnection(speaking: .graphQLTransportWS) }
        await withDiscardingTaskGroup { group in
            for connection in connections {
                group.addTask { await connection.run() }
                connection.receive(.text(#"{"type":"connection_init"}"#))
                _ = await connection.outbound.nextBatch()  // the acknowledgement
                for id in 0..<10 {
                    connection.receive(.text(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"subscription { topic }"}}"#))
                }
            }
            // Every subscription is live once one event reached all of them.
            topic.publish(-1)
            for connection in connections { await receive(10, on: connection) }
            benchmark.startMeasurement()
            for value in benchmark.scaledIterations {
                topic.publish(value)
                for connection in connections { await receive(10, on: connection) }
            }
            benchmark.stopMeasurement()
            for connection in connections { connection.transportClosed() }
        }
    }
}

/// Takes `count` frames from a connection's outbound queue.
func receive(_ count: Int, on connection: ServerConnection<GraphQLSwiftExecutor<JSONObject>>) async {
    var received = 0
    while received < count, let batch = await connection.outbound.nextBatch() {
        received += batch.count
    }
}
