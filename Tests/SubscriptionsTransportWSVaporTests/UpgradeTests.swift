import HTTPTypes
import HummingbirdWSClient
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSVapor
import Testing
import Vapor

/// Subprotocol negotiation during the WebSocket upgrade (D11, D12).
@Suite("Upgrade and subprotocol negotiation")
struct UpgradeTests {
    private static func endpoint(
        serving subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS]
    ) throws -> GraphQLWebSocketEndpoint {
        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        return GraphQLWebSocketEndpoint(server: GraphQLWebSocketServer(executor: executor, subprotocols: subprotocols))
    }

    private static func offers(_ values: String...) -> HTTPHeaders {
        HTTPHeaders(values.map { ("Sec-WebSocket-Protocol", $0) })
    }

    private static func clientOffers(_ values: String...) -> HTTPFields {
        var headers = HTTPFields()
        for value in values { headers.append(HTTPField(name: .secWebSocketProtocol, value: value)) }
        return headers
    }

    /// Expects the upgrade to fail for a client sending `headers`.
    private static func expectUpgradeRefused(port: Int, headers: HTTPFields) async {
        await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
            _ = try await connect(port: port, headers: headers) { _ in
                Issue.record("Upgraded without an acceptable subprotocol")
            }
        }
    }

    @Test func negotiationReadsEveryHeaderValueAndCommaSeparatedList() throws {
        let endpoint = try Self.endpoint()
        #expect(endpoint.subprotocols == [.graphQLTransportWS, .graphQLWS])
        #expect(endpoint.negotiate(Self.offers("graphql-ws")) == .graphQLWS)
        #expect(endpoint.negotiate(Self.offers("foo, graphql-ws")) == .graphQLWS)
        #expect(endpoint.negotiate(Self.offers("foo", " graphql-ws ")) == .graphQLWS)
        #expect(endpoint.negotiate(Self.offers("graphql-transport-ws")) == .graphQLTransportWS)
        #expect(endpoint.negotiate(Self.offers("graphql-subscriptions")) == nil)
        #expect(endpoint.negotiate(Self.offers("GraphQL-WS")) == nil)
        #expect(endpoint.negotiate(HTTPHeaders()) == nil)
        // Header names are case-insensitive.
        #expect(endpoint.negotiate(HTTPHeaders([("sec-websocket-protocol", "graphql-ws")])) == .graphQLWS)
    }

    @Test func negotiationPrefersTheServersOrder() throws {
        #expect(try Self.endpoint().negotiate(Self.offers("graphql-ws, graphql-transport-ws")) == .graphQLTransportWS)
        #expect(try Self.endpoint().negotiate(Self.offers("graphql-ws", "graphql-transport-ws")) == .graphQLTransportWS)
        let apolloOnly = try Self.endpoint(serving: [.graphQLWS])
        #expect(apolloOnly.subprotocols == [.graphQLWS])
        #expect(apolloOnly.negotiate(Self.offers("graphql-transport-ws, graphql-ws")) == .graphQLWS)
        #expect(apolloOnly.negotiate(Self.offers("graphql-transport-ws")) == nil)
    }

    @Test func shouldUpgradeAnswersWithTheChosenSubprotocol() throws {
        let endpoint = try Self.endpoint()
        let headers = endpoint.shouldUpgrade(Self.offers("graphql-ws, graphql-transport-ws"))
        #expect(headers?["Sec-WebSocket-Protocol"] == ["graphql-transport-ws"])
        #expect(endpoint.shouldUpgrade(Self.offers("chat")) == nil)
    }

    @Test func frameSizeAdmitsTheLargestMessage() throws {
        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        let server = GraphQLWebSocketServer(
            executor: executor,
            graphQLWS: GraphQLWSServerOptions(maxInboundMessageBytes: 5000),
            graphQLTransportWS: GraphQLTransportWSServerOptions(maxInboundMessageBytes: 3000)
        )
        #expect(GraphQLWebSocketEndpoint(server: server).maxMessageBytes == 5000)
        #expect(try Self.endpoint().maxMessageBytes == 1 << 20)
    }

    @Test func upgradeAnswersWithTheNegotiatedSubprotocol() async throws {
        try await withTestServer { port in
            let apollo = try await upgradeResponse(port: port, offers: ["chat, graphql-ws"])
            #expect(apollo?.status == 101)
            #expect(apollo?.values("Sec-WebSocket-Protocol") == ["graphql-ws"])
            let both = try await upgradeResponse(port: port, offers: ["graphql-ws", "graphql-transport-ws"])
            #expect(both?.status == 101)
            #expect(both?.values("Sec-WebSocket-Protocol") == ["graphql-transport-ws"])
        }
    }

    @Test func upgradeWithoutAcceptableSubprotocolIsRefusedWithBadRequest() async throws {
        try await withTestServer { port in
            let unknown = try await upgradeResponse(port: port, offers: ["graphql-subscriptions"])
            #expect(unknown?.status == 400)
            let none = try await upgradeResponse(port: port, offers: [])
            #expect(none?.status == 400)
        }
        try await withTestServer(subprotocols: [.graphQLWS]) { port in
            let unserved = try await upgradeResponse(port: port, offers: ["graphql-transport-ws"])
            #expect(unserved?.status == 400)
        }
    }

    @Test func clientOfferingNoSubprotocolCannotConnect() async throws {
        try await withTestServer { port in
            await Self.expectUpgradeRefused(port: port, headers: [:])
        }
    }

    @Test func clientOfferingSeveralSubprotocolsIsServed() async throws {
        try await withTestServer(subprotocols: [.graphQLWS]) { port in
            _ = try await connect(port: port, headers: Self.clientOffers("graphql-transport-ws", "chat, graphql-ws")) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
                // `ka` follows the acknowledgement only on graphql-ws: the connection speaks it.
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "ka"])
            }
        }
    }

    @Test func customRouteServesTheEndpointAndRefusesWithoutAnAcceptableOffer() async throws {
        try await withTestServer(setup: .customRoute) { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello(name: \"route\") }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello route"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
            let accepted = try await upgradeResponse(port: port, offers: ["graphql-transport-ws"])
            #expect(accepted?.status == 101)
            #expect(accepted?.values("Sec-WebSocket-Protocol") == ["graphql-transport-ws"])
            let refused = try await upgradeResponse(port: port, offers: ["chat"])
            #expect(refused?.status == 400)
            // The route's own check runs first.
            let unauthorized = try await upgradeResponse(
                port: port,
                offers: ["graphql-ws"],
                extraHeaders: [("Authorization", "Bearer wrong")]
            )
            #expect(unauthorized?.status == 401)
            await Self.expectUpgradeRefused(port: port, headers: Self.clientOffers("chat"))
        }
    }
}
