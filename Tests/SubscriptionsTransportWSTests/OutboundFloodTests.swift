import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// A client that keeps sending while it reads nothing: the answers its messages cause are bounded by
/// the outbound budget, then the connection closes 1008.
@Suite("Outbound budget: answers to a client that does not read")
struct OutboundFloodTests {
    @Test func pingsFromAClientThatNeverReadsClose1008OnceABudgetOfPongsWaits() throws {
        var options = transportTestOptions()
        options.outboundBufferBytes = 1024
        let server = GraphQLWebSocketServer(executor: TestExecutor<JSONObject>(), hooks: HookSpy().hooks(), graphQLTransportWS: options)
        // No transport drains this connection: everything it sends stays queued.
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        let padding = String(repeating: "x", count: 200)
        let ping = #"{"type":"ping","payload":{"pad":"\#(padding)"}}"#
        for _ in 0..<1000 { connection.receive(.text(ping)) }
        let (pongs, code, reason) = try takeUntilClose(connection.outbound)
        #expect(code == 1008)
        #expect(reason == "Client too slow: outbound buffer full")
        // About a budget's worth of pongs, then the close: the 1000 pings did not each leave one.
        #expect(pongs.count > 1 && pongs.count <= 1024 / 200 + 1)
    }
}

/// Takes what waits in `outbound`, which must end with the connection's close frame.
///
/// - Returns: The messages before the close frame, and the close frame's code and reason.
func takeUntilClose(
    _ outbound: OutboundQueue,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> (messages: [OutboundMessage], code: UInt16, reason: String) {
    let queued = try #require(outbound.takeReady(), sourceLocation: sourceLocation)
    guard case .close(let code, let reason)? = queued.last else {
        throw TestError("Expected the close frame last, got \(queued.count) messages")
    }
    return (Array(queued.dropLast()), code, reason)
}
