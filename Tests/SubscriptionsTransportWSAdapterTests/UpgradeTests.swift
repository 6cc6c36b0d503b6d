import SubscriptionsTransportWS
import Testing

/// Subprotocol negotiation during the WebSocket upgrade (D11, D12), against each adapter.
@Suite("Upgrade and subprotocol negotiation")
struct UpgradeTests {
    @Test(arguments: Adapter.allCases) func negotiationReadsEveryHeaderValueAndCommaSeparatedList(adapter: Adapter) throws {
        let endpoint = try adapter.endpoint()
        #expect(endpoint.subprotocols == [.graphQLTransportWS, .graphQLWS])
        #expect(endpoint.negotiate(offers: ["graphql-ws"]) == .graphQLWS)
        #expect(endpoint.negotiate(offers: ["foo, graphql-ws"]) == .graphQLWS)
        #expect(endpoint.negotiate(offers: ["foo", " graphql-ws "]) == .graphQLWS)
        #expect(endpoint.negotiate(offers: ["graphql-transport-ws"]) == .graphQLTransportWS)
        #expect(endpoint.negotiate(offers: ["graphql-subscriptions"]) == nil)
        #expect(endpoint.negotiate(offers: ["GraphQL-WS"]) == nil)
        #expect(endpoint.negotiate(offers: []) == nil)
        // Header names are case-insensitive. (Hummingbird's `HTTPFields` lowercases names itself;
        // Vapor's `HTTPHeaders` keeps them as sent.)
        #expect(endpoint.negotiate(offers: ["graphql-ws"], headerName: "sec-websocket-protocol") == .graphQLWS)
    }

    @Test(arguments: Adapter.allCases) func negotiationPrefersTheServersOrder(adapter: Adapter) throws {
        #expect(try adapter.endpoint().negotiate(offers: ["graphql-ws, graphql-transport-ws"]) == .graphQLTransportWS)
        #expect(try adapter.endpoint().negotiate(offers: ["graphql-ws", "graphql-transport-ws"]) == .graphQLTransportWS)
        let apolloOnly = try adapter.endpoint(serving: [.graphQLWS])
        #expect(apolloOnly.subprotocols == [.graphQLWS])
        #expect(apolloOnly.negotiate(offers: ["graphql-transport-ws, graphql-ws"]) == .graphQLWS)
        #expect(apolloOnly.negotiate(offers: ["graphql-transport-ws"]) == nil)
    }

    @Test(arguments: Adapter.allCases) func shouldUpgradeAnswersWithTheChosenSubprotocol(adapter: Adapter) throws {
        let endpoint = try adapter.endpoint()
        #expect(endpoint.upgradeSubprotocols(offers: ["graphql-ws, graphql-transport-ws"]) == ["graphql-transport-ws"])
        #expect(endpoint.upgradeSubprotocols(offers: ["chat"]) == nil)
    }

    @Test(arguments: Adapter.allCases) func upgradeAnswersWithTheNegotiatedSubprotocol(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let apollo = try await upgradeResponse(url: url, offers: ["chat, graphql-ws"])
            #expect(apollo?.status == 101)
            #expect(apollo?.values("Sec-WebSocket-Protocol") == ["graphql-ws"])
            // Both offered, in one header value and in two headers: the server's preference wins.
            for offers in [["graphql-ws, graphql-transport-ws"], ["graphql-ws", "graphql-transport-ws"]] {
                let both = try await upgradeResponse(url: url, offers: offers)
                #expect(both?.status == 101)
                #expect(both?.values("Sec-WebSocket-Protocol") == ["graphql-transport-ws"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func upgradeWithoutAcceptableSubprotocolIsRefusedWithBadRequest(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let unknown = try await upgradeResponse(url: url, offers: ["graphql-subscriptions"])
            #expect(unknown?.status == 400)
            // No offer at all: a case only the Vapor suite had (Hummingbird also answers 400 today).
            let none = try await upgradeResponse(url: url, offers: [])
            #expect(none?.status == 400)
        }
        try await adapter.withTestServer(subprotocols: [.graphQLWS]) { url in
            let unserved = try await upgradeResponse(url: url, offers: ["graphql-transport-ws"])
            #expect(unserved?.status == 400)
        }
    }

    @Test(arguments: Adapter.allCases) func clientOfferingNoSubprotocolCannotConnect(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            await expectUpgradeRefused(url: url, headers: [:])
        }
    }

    @Test(arguments: Adapter.allCases) func clientOfferingSeveralSubprotocolsIsServed(adapter: Adapter) async throws {
        try await adapter.withTestServer(subprotocols: [.graphQLWS]) { url in
            _ = try await connect(to: url, headers: subprotocolOffers("graphql-transport-ws", "chat, graphql-ws")) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
                // `ka` follows the acknowledgement only on graphql-ws: the connection speaks it.
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "ka"])
            }
        }
    }
}
