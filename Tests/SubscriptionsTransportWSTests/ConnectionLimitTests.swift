import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// The connection limit holds even for upgrades decided at the same moment: every one of them saw
/// room (the adapters refuse with 503 only what they see past the limit), so a connection made past
/// the limit closes 1013 as it starts.
@Suite("Connection limit")
struct ConnectionLimitTests {
    @Test(arguments: [WebSocketSubprotocol.graphQLTransportWS, .graphQLWS])
    func aConnectionMadePastTheLimitCloses1013AndTheOthersGoOn(subprotocol: WebSocketSubprotocol) throws {
        let server = GraphQLWebSocketServer(
            executor: TestExecutor<JSONObject>(),
            graphQLWS: GraphQLWSServerOptions(keepAlive: .disabled, connectionInitWaitTimeout: nil),
            graphQLTransportWS: transportTestOptions(),
            upgrade: UpgradePolicy(maxConnections: 2)
        )
        // An upgrade request with no Origin that offers the subprotocol.
        let offer = { (name: String) in name.lowercased() == "sec-websocket-protocol" ? [subprotocol.name] : [] }
        // Two upgrades decided while one connection was held: both saw room.
        let first = server.makeConnection(speaking: subprotocol, clock: ManualClock())
        #expect(server.decideUpgrade(header: offer) == .success(subprotocol))
        #expect(server.decideUpgrade(header: offer) == .success(subprotocol))
        let second = server.makeConnection(speaking: subprotocol, clock: ManualClock())
        let third = server.makeConnection(speaking: subprotocol, clock: ManualClock())

        // The third starts and closes at once; the first two take their clients' messages.
        third.receive(.text(#"{"type":"connection_init"}"#))
        let (beforeClose, code, reason) = try takeUntilClose(third.outbound)
        #expect(beforeClose.isEmpty)
        #expect(code == 1013)
        #expect(reason == "Too many connections")
        for connection in [first, second] {
            connection.receive(.text(#"{"type":"connection_init"}"#))
            let queued = try #require(connection.outbound.takeReady())
            #expect(!queued.contains { if case .close = $0 { true } else { false } })
        }
        // While the three exist the server is full: the next upgrade is refused.
        #expect(server.decideUpgrade(header: offer) == .failure(.tooManyConnections))
    }
}
