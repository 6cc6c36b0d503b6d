import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Synchronization
import Testing

/// Results an executor pushes to the connection (``PushedResults``) instead of the connection pulling
/// them: framed for the operation, written only once flushed, refused once the operation is over or
/// the client too far behind.
@Suite("Pushed results", .timeLimit(.minutes(1)))
struct PushedResultsTests {
    /// Pushes whatever the test says through the sink it is given.
    final class Pusher: PushedResults {
        typealias AsyncIterator = AsyncThrowingStream<ExecutionResult, any Error>.Iterator
        private let sinks = Recorder<ResultSink>()
        private let done = Gate()

        func makeAsyncIterator() -> AsyncIterator {
            AsyncThrowingStream<ExecutionResult, any Error> { $0.finish() }.makeAsyncIterator()
        }

        func push(to sink: ResultSink) async throws {
            sinks.record(sink)
            await done.wait()
        }

        /// The sink of the operation, once it started.
        func sink() async -> ResultSink { await sinks.waitForCount(1)[0] }

        /// Ends the results normally.
        func finish() { done.open() }
    }

    static func result(_ value: Int) -> ExecutionResult {
        ExecutionResult(["data": ["n": .integer(value)]])
    }

    @Test func pushedResultsAreFramedWrittenWhenFlushedAndCompleted() async throws {
        let pusher = Pusher()
        let executor = TestExecutor<JSONObject> { _, _, _ in .stream(pusher) }
        try await withTransportWSConnection(executor: executor) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.subscribe("1")
            let sink = await pusher.sink()
            #expect(sink.send(Self.result(1)) == .delivered)
            #expect(sink.send(Self.result(2)) == .delivered)
            sink.flush()
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"n":1}}}"#)
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"n":2}}}"#)
            pusher.finish()
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
        }
    }

    @Test func aStoppedOperationRefusesFurtherResults() async throws {
        let pusher = Pusher()
        let executor = TestExecutor<JSONObject> { _, _, _ in .stream(pusher) }
        try await withTransportWSConnection(executor: executor) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.subscribe("1")
            let sink = await pusher.sink()
            await connection.send(#"{"id":"1","type":"complete"}"#)
            try await connection.expectSilence()
            #expect(sink.send(Self.result(1)) == .operationEnded)
            sink.flush()
            try await connection.expectSilence()
            pusher.finish()
        }
    }

    @Test func aClientTooFarBehindIsReportedToTheProducer() async throws {
        let pusher = Pusher()
        let executor = TestExecutor<JSONObject> { _, _, _ in .stream(pusher) }
        let options = GraphQLTransportWSServerOptions(connectionInitWaitTimeout: nil, outboundBufferBytes: 120)
        let server = GraphQLWebSocketServer(executor: executor, graphQLTransportWS: options)
        let connection = server.makeConnection(speaking: .graphQLTransportWS)
        await withDiscardingTaskGroup { group in
            group.addTask { await connection.run() }
            connection.receive(.text(#"{"type":"connection_init"}"#))
            #expect(await connection.outbound.nextBatch() == [.text(Array(#"{"type":"connection_ack"}"#.utf8))])
            // From here nobody drains the outbound queue: the client reads nothing.
            connection.receive(.text(#"{"id":"1","type":"subscribe","payload":{"query":"subscription { t }"}}"#))
            let sink = await pusher.sink()
            var deliveries: [ResultDelivery] = []
            for value in 0..<10 { deliveries.append(sink.send(Self.result(value))) }
            // Each frame is 51 bytes: after the third, 153 bytes wait, over the budget of 120.
            #expect(deliveries.prefix(3) == [.delivered, .delivered, .delivered])
            #expect(deliveries.dropFirst(3).allSatisfy { $0 == .clientTooSlow })
            pusher.finish()
            connection.transportClosed()
        }
    }

    /// Starts a connection with the operations `ids`, each pushing through a sink of its own, and
    /// hands the body the connection and those sinks in order; nobody drains the outbound queue.
    static func withPushingOperations(
        _ ids: [String],
        hooks: ServerHooks<JSONObject> = ServerHooks(onConnect: { .accept($0) }),
        outboundBufferBytes: Int = 1 << 20,
        _ body: (ServerConnection<TestExecutor<JSONObject>>, [ResultSink]) async throws -> Void
    ) async throws {
        let pushers = Recorder<Pusher>()
        let executor = TestExecutor<JSONObject> { _, _, _ in
            let pusher = Pusher()
            pushers.record(pusher)
            return .stream(pusher)
        }
        let options = GraphQLTransportWSServerOptions(connectionInitWaitTimeout: nil, outboundBufferBytes: outboundBufferBytes)
        let server = GraphQLWebSocketServer(executor: executor, hooks: hooks, graphQLTransportWS: options)
        let connection = server.makeConnection(speaking: .graphQLTransportWS)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await connection.run() }
            connection.receive(.text(#"{"type":"connection_init"}"#))
            #expect(await connection.outbound.nextBatch() == [.text(Array(#"{"type":"connection_ack"}"#.utf8))])
            var sinks: [ResultSink] = []
            for (index, id) in ids.enumerated() {
                connection.receive(.text(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"subscription { t }"}}"#))
                sinks.append(await pushers.waitForCount(index + 1)[index].sink())
            }
            try await body(connection, sinks)
            for pusher in pushers.values { pusher.finish() }
            connection.transportClosed()
        }
    }

    @Test func aConnectionQueuesOneResultForSeveralOperationsUnderOneCall() async throws {
        try await Self.withPushingOperations(["a", "b", "c"]) { connection, sinks in
            let batches = sinks.compactMap(\.batch)
            #expect(batches.count == 3)
            #expect(batches.allSatisfy { $0.target === connection })
            // "b" stops: its run no longer takes results; the others still do, in the order given.
            connection.receive(.text(#"{"id":"b","type":"complete"}"#))
            var refused: [(index: Int, delivery: ResultDelivery)] = []
            connection.queue(Self.result(1), forRuns: [batches[2].run, batches[1].run, batches[0].run], refused: &refused)
            #expect(refused.map(\.index) == [1])
            #expect(refused.map(\.delivery) == [.operationEnded])
            connection.wakeTransport()
            #expect(
                await connection.outbound.nextBatch()?.compactMap(\.text) == [
                    #"{"type":"next","id":"c","payload":{"data":{"n":1}}}"#,
                    #"{"type":"next","id":"a","payload":{"data":{"n":1}}}"#,
                ]
            )
        }
    }

    @Test func runsOfAClientTooFarBehindAreRefusedAsTooSlow() async throws {
        try await Self.withPushingOperations(["a", "b"], outboundBufferBytes: 120) { connection, sinks in
            let runs = sinks.compactMap(\.batch?.run)
            var refused: [(index: Int, delivery: ResultDelivery)] = []
            // Each frame is 51 bytes: two fit the budget of 120, the third finds 102 waiting and is
            // queued, the fourth finds 153.
            connection.queue(Self.result(1), forRuns: runs, refused: &refused)
            #expect(refused.isEmpty)
            connection.queue(Self.result(2), forRuns: runs, refused: &refused)
            #expect(refused.map(\.index) == [1])
            #expect(refused.map(\.delivery) == [.clientTooSlow])
        }
    }

    @Test func aConnectionWithAResultHookTakesNoBatches() async throws {
        var hooks = ServerHooks<JSONObject>(onConnect: { .accept($0) })
        hooks.onNext = { _, result, _ in result }
        try await Self.withPushingOperations(["a"], hooks: hooks) { _, sinks in
            // Each result must pass through the hook for its own operation.
            #expect(sinks[0].batch == nil)
        }
    }
}
