import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSHummingbird
import Testing

/// Subprotocol negotiation during the WebSocket upgrade (D11, D12).
@Suite("Upgrade and subprotocol negotiation")
struct UpgradeTests {
    private static func endpoint(
        serving subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS]
    ) throws -> GraphQLWebSocketEndpoint {
        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        return GraphQLWebSocketEndpoint(server: GraphQLWebSocketServer(executor: executor, subprotocols: subprotocols))
    }

    private static func offers(_ values: String...) -> HTTPFields {
        var headers = HTTPFields()
        for value in values { headers.append(HTTPField(name: .secWebSocketProtocol, value: value)) }
        return headers
    }

    /// Sends a raw upgrade request offering `offer` and returns the response.
    private static func upgradeResponse(port: Int, offer: String) async throws -> TestClient.Response {
        try await withTimeout {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await client.execute(
                    TestClient.Request(
                        "/graphql",
                        method: .get,
                        authority: "127.0.0.1:\(port)",
                        headers: [
                            .connection: "Upgrade",
                            .upgrade: "websocket",
                            .secWebSocketVersion: "13",
                            .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
                            .secWebSocketProtocol: offer,
                        ]
                    )
                )
            }
        }
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
        #expect(endpoint.negotiate(HTTPFields()) == nil)
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
        guard case .upgrade(let headers) = endpoint.shouldUpgrade(Self.offers("graphql-ws, graphql-transport-ws")) else {
            Issue.record("Upgrade refused")
            return
        }
        #expect(headers[values: .secWebSocketProtocol] == ["graphql-transport-ws"])
        guard case .dontUpgrade = endpoint.shouldUpgrade(Self.offers("chat")) else {
            Issue.record("Upgrade accepted without an acceptable offer")
            return
        }
    }

    @Test func upgradeAnswersWithTheNegotiatedSubprotocol() async throws {
        try await withTestServer { port in
            let apollo = try await Self.upgradeResponse(port: port, offer: "chat, graphql-ws")
            #expect(apollo.status == .switchingProtocols)
            #expect(apollo.head.headerFields[values: .secWebSocketProtocol] == ["graphql-ws"])
            let both = try await Self.upgradeResponse(port: port, offer: "graphql-ws, graphql-transport-ws")
            #expect(both.status == .switchingProtocols)
            #expect(both.head.headerFields[values: .secWebSocketProtocol] == ["graphql-transport-ws"])
        }
    }

    @Test func upgradeWithoutAcceptableSubprotocolIsRefusedWithBadRequest() async throws {
        try await withTestServer { port in
            let response = try await Self.upgradeResponse(port: port, offer: "graphql-subscriptions")
            #expect(response.status == .badRequest)
        }
        try await withTestServer(subprotocols: [.graphQLWS]) { port in
            let response = try await Self.upgradeResponse(port: port, offer: "graphql-transport-ws")
            #expect(response.status == .badRequest)
        }
    }

    @Test func clientOfferingNoSubprotocolCannotConnect() async throws {
        try await withTestServer { port in
            await Self.expectUpgradeRefused(port: port, headers: [:])
        }
    }

    @Test func clientOfferingSeveralSubprotocolsIsServed() async throws {
        try await withTestServer(subprotocols: [.graphQLWS]) { port in
            _ = try await connect(port: port, headers: Self.offers("graphql-transport-ws", "chat, graphql-ws")) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
                // `ka` follows the acknowledgement only on graphql-ws: the connection speaks it.
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "ka"])
            }
        }
    }

    @Test func upgradeWithoutRouterServesTheEndpoint() async throws {
        try await withTestServer(setup: .upgradeWithoutRouter) { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello(name: \"router\") }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello router"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
            await Self.expectUpgradeRefused(port: port, headers: Self.offers("chat"))
        }
    }
}
