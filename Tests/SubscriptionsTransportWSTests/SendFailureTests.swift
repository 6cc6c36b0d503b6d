import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Synchronization
import Testing

/// A host's `send` that fails mid-stream (the seed interface, `run(send:close:)`): the socket is
/// taken as gone, so the connection ends as if the client had left: its operations stop, nothing
/// more is sent, the end hooks run, and `run(send:close:)` returns.
@Suite("Faults: send fails mid-stream")
struct SendFailureTests {
    struct SocketGone: Error {}

    @Test(arguments: [WebSocketSubprotocol.graphQLTransportWS, .graphQLWS])
    func aSendThatThrowsEndsTheConnectionAndItsOperations(subprotocol: WebSocketSubprotocol) async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let server = GraphQLWebSocketServer(
            executor: executor,
            hooks: spy.hooks(),
            graphQLWS: testOptions(),
            graphQLTransportWS: transportTestOptions()
        )
        let connection = server.makeConnection(speaking: subprotocol, clock: ManualClock())
        let sent = Recorder<String>()
        let closes = Recorder<UInt16>()
        // The ack and two results are written; the third write finds the socket gone.
        let writes = Atomic(0)
        let run = Task {
            await connection.run(
                send: { text in
                    guard writes.add(1, ordering: .relaxed).newValue <= 3 else { throw SocketGone() }
                    sent.record(text)
                },
                close: { code, _ in closes.record(code) }
            )
        }
        connection.receive(.text(#"{"type":"connection_init","payload":{}}"#))
        _ = await sent.waitForCount(1)
        let start =
            subprotocol == .graphQLTransportWS
            ? #"{"id":"1","type":"subscribe","payload":{"query":"subscription { t }"}}"#
            : #"{"id":"1","type":"start","payload":{"query":"subscription { t }"}}"#
        connection.receive(.text(start))
        let source = try #require(await executor.call(0).source)
        for value in 0..<10 {
            source.emit(["data": ["t": .integer(value)]])
            // One at a time, so the failing write comes mid-stream rather than in one batch.
            if value < 2 { _ = await sent.waitForCount(value + 2) }
        }
        await run.value
        #expect(sent.values.count == 3)
        #expect(closes.values.isEmpty)
        // The end hooks ran: the socket's end has no close code.
        #expect(spy.calls.values.suffix(2) == ["disconnect - ", "close - "])
    }
}
