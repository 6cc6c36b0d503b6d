import SubscriptionsTransportWS
import Testing

@Suite("Subprotocol negotiation (GW-47, GW-48)")
struct NegotiationTests {
    @Test func gw47NegotiationPrefersTheNewProtocolAndMatchesExactly() {
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-ws"]) == .graphQLWS)
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-transport-ws", "graphql-ws"]) == .graphQLTransportWS)
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-ws", "graphql-transport-ws"]) == .graphQLTransportWS)
        #expect(
            WebSocketSubprotocol.negotiate(offers: ["graphql-transport-ws", "graphql-ws"], supported: [.graphQLWS])
                == .graphQLWS
        )
        #expect(WebSocketSubprotocol.negotiate(offers: ["foo"]) == nil)
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-ws-extra"]) == nil)
        #expect(WebSocketSubprotocol.negotiate(offers: ["GRAPHQL-WS"]) == nil)
        #expect(WebSocketSubprotocol.negotiate(offers: [String]()) == nil)
    }

    @Test func gw47CommaSeparatedHeaderValuesAreSplitAndTrimmed() {
        #expect(WebSocketSubprotocol.negotiate(offers: ["foo,  graphql-ws "]) == .graphQLWS)
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-ws, graphql-transport-ws"]) == .graphQLTransportWS)
        #expect(WebSocketSubprotocol.negotiate(offers: ["foo", " graphql-ws"]) == .graphQLWS)
    }

    @Test func gw48LegacyGraphQLSubscriptionsIsRefused() {
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-subscriptions"]) == nil)
        #expect(WebSocketSubprotocol.negotiate(offers: ["graphql-subscriptions", "graphql-ws"]) == .graphQLWS)
    }
}
