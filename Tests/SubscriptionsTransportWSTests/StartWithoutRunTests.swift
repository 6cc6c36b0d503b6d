import SubscriptionsConcurrency
import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// `start(onFinished:)`: a connection driven from callbacks (the SwiftNIO channel), with no task
/// waiting in `run()`, ends as a run one does.
@Suite("Connections started without run()")
struct StartWithoutRunTests {
    private func makeServer(_ hooks: ServerHooks<JSONObject>) -> GraphQLWebSocketServer<TestExecutor<JSONObject>> {
        GraphQLWebSocketServer(executor: TestExecutor<JSONObject>(), hooks: hooks, graphQLTransportWS: transportTestOptions())
    }

    @Test(.timeLimit(.minutes(1))) func onFinishedComesOnceAfterTheEndHooks() async throws {
        let spy = HookSpy()
        let server = makeServer(spy.hooks())
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        let finished = OneShot<[String]>()
        let calls = Recorder<Int>()
        connection.start {
            calls.record(1)
            // What the end hooks had recorded when the connection said it was finished.
            finished.fulfill(spy.calls.values)
        }
        connection.receive(.text(#"{"type":"connection_init"}"#))
        #expect(await connection.outbound.nextBatch()?.first == .text(Array(#"{"type":"connection_ack"}"#.utf8)))
        connection.transportClosed(code: 4321, reason: "Byebye")
        let hooksBefore = await finished.wait()
        #expect(hooksBefore == ["disconnect 4321 Byebye", "close 4321 Byebye"])
        #expect(calls.values == [1])
        // Unregistered from the server: closing every connection has nothing to wait for.
        await server.closeAllConnections()
    }

    @Test(.timeLimit(.minutes(1))) func withoutEndHooksOnFinishedComesWhenTheConnectionCloses() async throws {
        let server = makeServer(ServerHooks(onConnect: { payload in .accept(payload) }))
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        let finished = OneShot<Void>()
        connection.start { finished.fulfill(()) }
        connection.receive(.text(#"{"type":"connection_init"}"#))
        #expect(finished.value == nil)
        connection.close(code: 4400, reason: "Done")
        await finished.wait()
        await server.closeAllConnections()
    }
}
