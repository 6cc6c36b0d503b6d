import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// A client that reads nothing while a subscription streams: operations pause at the outbound
/// budget, and after the slow-client timeout without a single take the connection closes 1008.
/// No transport drains these connections; the test takes from the outbound queue as a client's
/// transport would, and moves a manual clock.
@Suite("Slow clients: closed after the slow-client timeout")
struct SlowClientTests {
    private static let resultPadding = String(repeating: "x", count: 200)

    /// A `graphql-transport-ws` connection with a 1 KiB budget and a 30 s slow-client timeout,
    /// acknowledged, with one subscription streaming from the returned source.
    private func streamingConnection(
        clock: ManualClock,
        slowClientTimeout: Duration? = .seconds(30)
    ) async throws -> (ServerConnection<TestExecutor<JSONObject>>, TestSource, Task<Void, Never>) {
        var options = transportTestOptions()
        options.outboundBufferBytes = 1024
        options.slowClientTimeout = slowClientTimeout
        let executor = TestExecutor<JSONObject>()
        let server = GraphQLWebSocketServer(executor: executor, hooks: HookSpy().hooks(), graphQLTransportWS: options)
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: clock)
        let run = Task { await connection.run() }
        connection.receive(.text(#"{"type":"connection_init"}"#))
        // The acknowledgement, taken as a transport would.
        await eventually { connection.outbound.takeReady()?.isEmpty == false }
        connection.receive(.text(#"{"id":"1","type":"subscribe","payload":{"query":"subscription { t }"}}"#))
        let source = try #require(await executor.call(0).source)
        // Far more than a budget's worth: the operation waits for room after about five.
        for index in 0..<100 { source.emit(["data": ["t": .string("\(index) \(Self.resultPadding)")]]) }
        return (connection, source, run)
    }

    @Test func aClientThatTakesNothingIsClosed1008AfterTheTimeoutAndTheOperationStops() async throws {
        let clock = ManualClock()
        let (connection, _, run) = try await streamingConnection(clock: clock)
        // The operation waits for room, and the slow-client timer sleeps.
        await eventually { connection.outbound.isOverBudget && clock.sleeperCount == 1 }
        await clock.advance(by: .seconds(30))
        // run() returns only once every operation's task has ended.
        await run.value
        let (results, code, reason) = try takeUntilClose(connection.outbound)
        #expect(code == 1008)
        #expect(reason == "Client too slow: outbound buffer full")
        // About a budget's worth of results waited, not the 100 the source offered.
        #expect(results.count > 1 && results.count <= 1024 / 200 + 1)
    }

    @Test func aClientThatTakesSomethingBeforeTheTimeoutIsNotClosed() async throws {
        let clock = ManualClock()
        let (connection, source, run) = try await streamingConnection(clock: clock)
        await eventually { connection.outbound.isOverBudget && clock.sleeperCount == 1 }
        await clock.advance(by: .seconds(20))
        // The client reads once: the operation goes on, fills the budget again and a new timer
        // starts, counted from now.
        let firstTake = try #require(connection.outbound.takeReady())
        #expect(!firstTake.isEmpty)
        await eventually { connection.outbound.isOverBudget && clock.sleeperCount == 1 }
        await clock.advance(by: .seconds(25))
        let secondTake = try #require(connection.outbound.takeReady())
        #expect(!secondTake.isEmpty)
        #expect(!secondTake.contains { if case .close = $0 { true } else { false } })
        #expect(!source.isTerminated)
        connection.transportClosed()
        await run.value
    }

    @Test func noTimeoutKeepsTheConnectionWhileTheOperationWaits() async throws {
        let clock = ManualClock()
        let (connection, source, run) = try await streamingConnection(clock: clock, slowClientTimeout: nil)
        await eventually { connection.outbound.isOverBudget }
        #expect(clock.sleeperCount == 0)
        await clock.advance(by: .seconds(3_600))
        let queued = try #require(connection.outbound.takeReady())
        #expect(!queued.contains { if case .close = $0 { true } else { false } })
        #expect(!source.isTerminated)
        connection.transportClosed()
        await run.value
    }
}

/// Waits until `condition` holds, checking every millisecond for at most 10 seconds.
private func eventually(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
    for _ in 0..<10_000 {
        if condition() { return }
        try? await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("condition not met within 10 seconds", sourceLocation: sourceLocation)
}
