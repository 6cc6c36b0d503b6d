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
}
