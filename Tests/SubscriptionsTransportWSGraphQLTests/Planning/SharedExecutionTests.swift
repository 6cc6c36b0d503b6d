import Dispatch
import GraphQL
import SubscriptionsConcurrency
import SubscriptionsTransportWS
import Synchronization
import Testing

@testable import SubscriptionsTransportWSGraphQL

/// Subscriptions that share one execution per event (``SubscriptionSharing``), and those that must not.
@Suite("Shared execution")
struct SharedExecutionTests {
    /// A tiny pub/sub for the tests: live topics, and counts of source creations and executions.
    final class Topics: Sendable {
        private let subscribers = Lock<[String: [AsyncStream<Int>.Continuation]]>([:])
        private let terminations = Lock(0)
        let sourcesCreated = Atomic(0)
        let executions = Atomic(0)
        /// The task executor the last execution preferred.
        let lastPreferredExecutor = Lock<(any TaskExecutor)?>(nil)

        func stream(_ topic: String) -> AsyncStream<Int> {
            sourcesCreated.add(1, ordering: .relaxed)
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            continuation.onTermination = { [weak self] _ in self?.terminations.withLock { $0 += 1 } }
            subscribers.withLock { $0[topic, default: []].append(continuation) }
            return stream
        }

        func publish(_ value: Int, to topic: String) {
            for continuation in subscribers.withLock({ $0[topic] ?? [] }) { continuation.yield(value) }
        }

        func finish(_ topic: String) {
            for continuation in subscribers.withLock({ $0.removeValue(forKey: topic) ?? [] }) { continuation.finish() }
        }

        var terminated: Int { terminations.withLock { $0 } }
    }

    /// `subscription { topic(name: String!): Int }` over `topics`; the resolver fails for contexts
    /// whose `fail` is true. `counter` is the example's cold source.
    static func executor(_ topics: Topics, bufferSize: Int = 64) throws -> GraphQLSwiftExecutor<JSONObject> {
        let schema = try ExampleSchema.make(subscriptionFields: [
            "topic": GraphQLField(
                type: GraphQLInt,
                args: ["name": GraphQLArgument(type: GraphQLNonNull(GraphQLString))],
                resolve: { source, _, context, _ in
                    topics.executions.add(1, ordering: .relaxed)
                    let preferred = withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
                    topics.lastPreferredExecutor.withLock { $0 = preferred }
                    if (context as? JSONObject)?["fail"] == true { throw ResolverFailure(description: "failing context") }
                    return source
                },
                subscribe: { _, arguments, _, _ in topics.stream(arguments["name"].string ?? "") }
            )
        ])
        return try GraphQLSwiftExecutor<JSONObject>(
            schema: schema,
            subscriptionSharing: .sharing(
                fields: ["topic"],
                contextKey: { context in context["group"]?.stringValue },
                bufferSize: bufferSize
            )
        )
    }

    static func subscribe(
        _ executor: GraphQLSwiftExecutor<JSONObject>,
        topic: String,
        context: JSONObject
    ) async throws
        -> any AsyncSequence<ExecutionResult, any Error> & Sendable
    {
        let request = OperationRequest(query: "subscription ($t: String!) { topic(name: $t) }", variables: ["t": .string(topic)])
        guard case .stream(let results) = try await executor.execute(request, context: context) else {
            throw ResolverFailure(description: "not a stream")
        }
        return results
    }

    /// Collects every result of a stream as JSON, and the error it ended with, if any.
    static func collect(_ results: any AsyncSequence<ExecutionResult, any Error> & Sendable) async -> ([JSONValue], String?) {
        var values: [JSONValue] = []
        do {
            for try await result in results { values.append(result.jsonValue ?? .null) }
            return (values, nil)
        } catch {
            return (values, "\(error)")
        }
    }

    @Test func sameOperationVariablesAndContextKeyShareOneExecutionPerEvent() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        let streams = [
            try await Self.subscribe(executor, topic: "news", context: ["group": "all", "user": "a"]),
            try await Self.subscribe(executor, topic: "news", context: ["group": "all", "user": "b"]),
            try await Self.subscribe(executor, topic: "news", context: ["group": "all", "user": "c"]),
        ]
        #expect(topics.sourcesCreated.load(ordering: .relaxed) == 1)
        #expect(executor.sharedExecutionCount == 1)
        for value in 0..<5 { topics.publish(value, to: "news") }
        topics.finish("news")
        for stream in streams {
            let (values, error) = await Self.collect(stream)
            #expect(values == (0..<5).map { ["data": ["topic": .integer($0)]] })
            #expect(error == nil)
        }
        #expect(topics.executions.load(ordering: .relaxed) == 5)
    }

    @Test func differentVariablesOrContextKeysNeverShare() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        let news = try await Self.subscribe(executor, topic: "news", context: ["group": "all"])
        let sports = try await Self.subscribe(executor, topic: "sports", context: ["group": "all"])
        let otherGroup = try await Self.subscribe(executor, topic: "news", context: ["group": "staff"])
        // No key: never shared, not even with another keyless subscriber.
        let keyless = try await Self.subscribe(executor, topic: "news", context: [:])
        let keyless2 = try await Self.subscribe(executor, topic: "news", context: [:])
        #expect(topics.sourcesCreated.load(ordering: .relaxed) == 5)
        #expect(executor.sharedExecutionCount == 3)
        topics.publish(7, to: "news")
        topics.publish(8, to: "sports")
        topics.finish("news")
        topics.finish("sports")
        #expect(await Self.collect(news).0 == [["data": ["topic": 7]]])
        #expect(await Self.collect(sports).0 == [["data": ["topic": 8]]])
        #expect(await Self.collect(otherGroup).0 == [["data": ["topic": 7]]])
        #expect(await Self.collect(keyless).0 == [["data": ["topic": 7]]])
        #expect(await Self.collect(keyless2).0 == [["data": ["topic": 7]]])
        // One execution per event per shared execution or unshared subscriber: news ×4, sports ×1.
        #expect(topics.executions.load(ordering: .relaxed) == 5)
    }

    @Test func anErrorInOneSharedExecutionNeverReachesAnother() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        let failing = try await Self.subscribe(executor, topic: "news", context: ["group": "failing", "fail": true])
        let fine = try await Self.subscribe(executor, topic: "news", context: ["group": "fine"])
        topics.publish(1, to: "news")
        topics.finish("news")
        let (failingValues, _) = await Self.collect(failing)
        #expect(failingValues.count == 1)
        #expect(failingValues.first?.objectValue?["errors"] != nil)
        #expect(await Self.collect(fine).0 == [["data": ["topic": 1]]])
    }

    @Test func aSlowSubscriberEndsAloneAsTooSlow() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics, bufferSize: 2)
        let slow = try await Self.subscribe(executor, topic: "news", context: ["group": "all"])
        let fast = try await Self.subscribe(executor, topic: "news", context: ["group": "all"])
        var fastResults = fast.makeAsyncIterator()
        for value in 0..<5 {
            topics.publish(value, to: "news")
            // The fast subscriber takes each result before the next event.
            #expect(try await fastResults.next()?.jsonValue == ["data": ["topic": .integer(value)]])
        }
        topics.finish("news")
        #expect(try await fastResults.next() == nil)
        let (slowValues, slowError) = await Self.collect(slow)
        #expect(slowValues == [["data": ["topic": 0]], ["data": ["topic": 1]]])
        #expect(slowError == "Subscriber too slow")
    }

    @Test func theLastSubscriberLeavingEndsTheSource() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        var streams: [any AsyncSequence<ExecutionResult, any Error> & Sendable] = []
        for _ in 0..<3 { streams.append(try await Self.subscribe(executor, topic: "news", context: ["group": "all"])) }
        #expect(topics.sourcesCreated.load(ordering: .relaxed) == 1)
        await withTaskGroup(of: Void.self) { group in
            for stream in streams { group.addTask { _ = await Self.collect(stream) } }
            group.cancelAll()
        }
        streams.removeAll()
        await eventually { topics.terminated == 1 }
        #expect(executor.sharedExecutionCount == 0)
    }

    @Test func subscribersLeaveInAnyOrderAndTheLastOneLeavingIsReported() {
        // Leaving swaps the last member into the leaver's place: with ten thousand subscribers
        // leaving one by one, each leave costs the same rather than a pass over all of them.
        let group = SharedExecution()
        let buffers = (0..<6).map { _ in SharedResultBuffer(capacity: 1) }
        for buffer in buffers { group.add(buffer) }
        var remaining = Set(buffers.map(ObjectIdentifier.init))
        for index in [2, 5, 0, 3, 1] {
            #expect(group.remove(buffers[index]) == false)
            remaining.remove(ObjectIdentifier(buffers[index]))
            #expect(Set(group.members.map(ObjectIdentifier.init)) == remaining)
        }
        // Removing one that already left changes nothing.
        #expect(group.remove(buffers[2]) == false)
        #expect(group.members.count == 1)
        #expect(group.remove(buffers[4]) == true)
        #expect(group.members.isEmpty)
    }

    /// Runs one graphql-transport-ws connection per entry of `subscriptions` (the ids it subscribes
    /// with to `news`, context group "all") on `executor`, with nobody draining their outbound queues,
    /// and hands the body the connections once every subscriber takes its results grouped by
    /// connection.
    static func withSubscribedConnections(
        _ subscriptions: [[String]],
        executor: GraphQLSwiftExecutor<JSONObject>,
        outboundBufferBytes: Int = 1 << 20,
        _ body: ([ServerConnection<GraphQLSwiftExecutor<JSONObject>>]) async throws -> Void
    ) async throws {
        let options = GraphQLTransportWSServerOptions(connectionInitWaitTimeout: nil, outboundBufferBytes: outboundBufferBytes)
        let server = GraphQLWebSocketServer(executor: executor, graphQLTransportWS: options)
        let connections = subscriptions.map { _ in server.makeConnection(speaking: .graphQLTransportWS) }
        try await withThrowingDiscardingTaskGroup { group in
            for (connection, ids) in zip(connections, subscriptions) {
                group.addTask { await connection.run() }
                connection.receive(.text(#"{"type":"connection_init","payload":{"group":"all"}}"#))
                #expect(await connection.outbound.nextBatch() == [.text(Array(#"{"type":"connection_ack"}"#.utf8))])
                for id in ids {
                    connection.receive(
                        .text(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"subscription { topic(name: \"news\") }"}}"#)
                    )
                }
            }
            let subscribers = subscriptions.map(\.count).reduce(0, +)
            await eventually { executor.batchedSharedSubscriberCount == subscribers }
            try await body(connections)
            for connection in connections { connection.transportClosed() }
        }
    }

    /// The texts of the next batch of frames a connection queued.
    static func nextFrames(_ connection: ServerConnection<GraphQLSwiftExecutor<JSONObject>>) async -> [String] {
        await connection.outbound.nextBatch()?.compactMap(\.text) ?? []
    }

    static func next(_ id: String, _ value: Int) -> String {
        #"{"type":"next","id":"\#(id)","payload":{"data":{"topic":\#(value)}}}"#
    }

    @Test func subscribersOnConnectionsGetEachResultOnceAndOneStoppingLeavesTheOthers() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        try await Self.withSubscribedConnections([["a", "b"], ["c"]], executor: executor) { connections in
            #expect(topics.sourcesCreated.load(ordering: .relaxed) == 1)
            topics.publish(1, to: "news")
            // Both in one batch; which operation joined first, and so comes first, is up to the tasks.
            #expect(await Self.nextFrames(connections[0]).sorted() == [Self.next("a", 1), Self.next("b", 1)].sorted())
            #expect(await Self.nextFrames(connections[1]) == [Self.next("c", 1)])
            connections[0].receive(.text(#"{"id":"a","type":"complete"}"#))
            await eventually { executor.batchedSharedSubscriberCount == 2 }
            topics.publish(2, to: "news")
            #expect(await Self.nextFrames(connections[0]) == [Self.next("b", 2)])
            #expect(await Self.nextFrames(connections[1]) == [Self.next("c", 2)])
            topics.finish("news")
            #expect(await Self.nextFrames(connections[0]) == [#"{"type":"complete","id":"b"}"#])
            #expect(await Self.nextFrames(connections[1]) == [#"{"type":"complete","id":"c"}"#])
            // One execution per event, whoever it reached.
            #expect(topics.executions.load(ordering: .relaxed) == 2)
        }
    }

    @Test func aConnectionTooFarBehindEndsItsSubscribersAloneAsTooSlow() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        // Each result frame is 58 bytes: the third finds 116 waiting, within the budget of 120, and
        // the fourth finds 174.
        try await Self.withSubscribedConnections([["slow"], ["fast"]], executor: executor, outboundBufferBytes: 120) {
            connections in
            for value in 0..<6 {
                topics.publish(value, to: "news")
                // The fast client takes each result before the next event; the slow one reads nothing.
                #expect(await Self.nextFrames(connections[1]) == [Self.next("fast", value)])
            }
            var slowFrames: [String] = []
            while slowFrames.count < 4 { slowFrames += await Self.nextFrames(connections[0]) }
            #expect(
                slowFrames == (0..<3).map { Self.next("slow", $0) } + [
                    #"{"type":"error","id":"slow","payload":[{"message":"Subscriber too slow"}]}"#
                ]
            )
            #expect(executor.batchedSharedSubscriberCount == 1)
        }
    }

    /// Runs its jobs on a serial queue of its own, like a connection's event loop.
    final class QueueTaskExecutor: TaskExecutor {
        private let queue = DispatchQueue(label: "SharedExecutionTests.QueueTaskExecutor")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    @Test func theSharedExecutionRunsOnTheTaskExecutorOfTheSubscriberThatStartedIt() async throws {
        let topics = Topics()
        let executor = try Self.executor(topics)
        let first = QueueTaskExecutor()
        let firstResults = try await withTaskExecutorPreference(first) {
            try await Self.subscribe(executor, topic: "news", context: ["group": "all"])
        }
        // A later subscriber with a preference of its own joins the same execution.
        let laterResults = try await withTaskExecutorPreference(QueueTaskExecutor()) {
            try await Self.subscribe(executor, topic: "news", context: ["group": "all"])
        }
        #expect(executor.sharedExecutionCount == 1)
        topics.publish(1, to: "news")
        topics.finish("news")
        #expect(await Self.collect(firstResults).0 == [["data": ["topic": 1]]])
        #expect(await Self.collect(laterResults).0 == [["data": ["topic": 1]]])
        let preferred = topics.lastPreferredExecutor.withLock { $0 }
        #expect(preferred as? QueueTaskExecutor === first)
    }

    @Test func fieldsNotDeclaredShareableAreNotShared() async throws {
        let executor = try Self.executor(Topics())
        let request = OperationRequest(query: "subscription { counter(n: 3) }")
        var outcomes: [[JSONValue]] = []
        for _ in 0..<2 {
            guard case .stream(let results) = try await executor.execute(request, context: ["group": "all"]) else {
                Issue.record("expected a stream")
                return
            }
            outcomes.append(await Self.collect(results).0)
        }
        // Each counter starts at 0 for its own subscriber.
        #expect(outcomes[0] == outcomes[1])
        #expect(outcomes[0].first == ["data": ["counter": 0]])
        #expect(executor.sharedExecutionCount == 0)
    }
}

/// Waits until `condition` holds, checking every millisecond for at most 10 seconds.
func eventually(_ condition: () -> Bool, sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
    for _ in 0..<10_000 {
        if condition() { return }
        try? await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("condition not met within 10 seconds", sourceLocation: sourceLocation)
}
