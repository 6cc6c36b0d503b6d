import HummingbirdWebSocket
import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSHummingbird

/// What only the Hummingbird adapter has: its frame size configuration, the close reason it cuts to
/// fit, and serving an endpoint from an application built without a router.
@Suite("Hummingbird adapter")
struct HummingbirdAdapterTests {
    @Test func graphQLConfigurationAdmitsFramesUpToTheMessageLimit() {
        #expect(WebSocketServerConfiguration.graphQL().maxFrameSize == 1 << 20)
        #expect(WebSocketServerConfiguration.graphQL(maxMessageBytes: 5000).maxFrameSize == 5000)
    }

    @Test func upgradeWithoutRouterServesTheEndpoint() async throws {
        try await withHummingbirdServer(try makeGraphQLServer(), setup: .upgradeWithoutRouter) { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello(name: \"router\") }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello router"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
            await expectUpgradeRefused(url: url, headers: subprotocolOffers("chat"))
        }
    }
}
