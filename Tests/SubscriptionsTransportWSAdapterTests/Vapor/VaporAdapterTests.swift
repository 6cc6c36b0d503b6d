import NIOWebSocket
import SubscriptionsTransportWS
import SubscriptionsTransportWSVapor
import Testing

/// What only the Vapor adapter has, or only it is tested for: the order in which messages pass
/// websocket-kit's callbacks, the application's shutdown, the endpoint's frame size, and an
/// endpoint served from a route of the application's own.
@Suite("Vapor adapter")
struct VaporAdapterTests {
    @Test func messagesAreHandledInArrivalOrder() async throws {
        // Each message of an unknown type is answered at once with an `error` naming its id, so the
        // answers' order is the order in which the connection received the messages.
        let count = 100
        try await Adapter.vapor.withTestServer { url in
            _ = try await connect(to: url) { socket in
                try await socket.send(["type": "connection_init", "payload": [:]])
                for id in 0..<count {
                    try await socket.send(["type": "no such type", "id": .string("\(id)")])
                }
                #expect(try await socket.next() == ["type": "connection_ack"])
                var ids: [JSONValue] = []
                for _ in 0..<count {
                    let answer = try await socket.next()
                    #expect(answer?.objectValue?["type"] == "error")
                    ids.append(answer?.objectValue?["id"] ?? .null)
                }
                #expect(ids == (0..<count).map { .string("\($0)") })
            }
        }
    }

    @Test func pingsAreAnsweredInArrivalOrder() async throws {
        // Sent without waiting, right after the upgrade: the first messages are not lost, and every
        // `pong` echoes its `ping`'s payload in order.
        let count = 100
        try await Adapter.vapor.withTestServer { url in
            _ = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                for number in 0..<count {
                    try await socket.send(["type": "ping", "payload": ["n": .integer(number)]])
                }
                var numbers: [JSONValue] = []
                for _ in 0..<count {
                    let pong = try await socket.next()
                    #expect(pong?.objectValue?["type"] == "pong")
                    numbers.append(pong?.objectValue?["payload"]?.objectValue?["n"] ?? .null)
                }
                #expect(numbers == (0..<count).map { .integer($0) })
                #expect(try await socket.initialize() == ["type": "connection_ack"])
            }
        }
    }

    @Test func applicationShutdownClosesLiveConnectionsWithGoingAway() async throws {
        let (hooks, events) = reportingHooks()
        let server = try await VaporTestServer.start(try makeGraphQLServer(hooks: hooks))
        let (subscribed, subscribedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let close = try await connect(to: server.url, headers: graphQLTransportWSOffer) { socket in
                    #expect(try await socket.initialize() == ["type": "connection_ack"])
                    try await socket.send([
                        "type": "subscribe", "id": "1",
                        "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"],
                    ])
                    #expect(try await socket.next()?.objectValue?["type"] == "next")
                    subscribedContinuation.finish()
                    while try await socket.next() != nil {}
                }
                #expect(close?.closeCode == .goingAway)
            }
            for await _ in subscribed {}
            // The endpoint is a lifecycle handler of the application: shutdown closes its connections.
            try await server.shutdown()
            try await group.waitForAll()
        }
        let observed = try await eventsUntilClose(events)
        #expect(observed == ["complete 1", "disconnect", "close 1001"])
    }

    @Test func frameSizeAdmitsTheLargestMessage() throws {
        let server = try makeGraphQLServer(
            graphQLWS: .forTests { $0.maxInboundMessageBytes = 5000 },
            graphQLTransportWS: .forTests { $0.maxInboundMessageBytes = 3000 }
        )
        #expect(GraphQLWebSocketEndpoint(server: server).maxMessageBytes == 5000)
        #expect(GraphQLWebSocketEndpoint(server: try makeGraphQLServer()).maxMessageBytes == 1 << 20)
    }

    @Test func customRouteServesTheEndpointAndRefusesWithoutAnAcceptableOffer() async throws {
        try await withVaporServer(try makeGraphQLServer(), setup: .customRoute) { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello(name: \"route\") }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello route"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
            let accepted = try await upgradeResponse(url: url, offers: ["graphql-transport-ws"])
            #expect(accepted?.status == 101)
            #expect(accepted?.values("Sec-WebSocket-Protocol") == ["graphql-transport-ws"])
            let refused = try await upgradeResponse(url: url, offers: ["chat"])
            #expect(refused?.status == 400)
            // The route's own check runs first.
            let unauthorized = try await upgradeResponse(
                url: url,
                offers: ["graphql-ws"],
                extraHeaders: [("Authorization", "Bearer wrong")]
            )
            #expect(unauthorized?.status == 401)
            await expectUpgradeRefused(url: url, headers: subprotocolOffers("chat"))
        }
    }
}
