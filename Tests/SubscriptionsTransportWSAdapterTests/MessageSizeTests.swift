import HummingbirdWSClient
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

/// The inbound message limit (D8): a message over its protocol's limit ends the socket with 1009
/// (message too big), whether the WebSocket layer (hummingbird-websocket, websocket-kit) or the
/// adapter catches it.
@Suite("Message size limit")
struct MessageSizeTests {
    private static let limit = 1024
    private static let small = GraphQLWSServerOptions.forTests { $0.maxInboundMessageBytes = limit }
    private static let oversized = String(repeating: "x", count: 4 * limit)

    @Test(arguments: Adapter.allCases) func frameOverTheWebSocketLayersFrameSizeClosesWithMessageTooBig(adapter: Adapter) async throws {
        // Both protocols at 1 KiB: the frame size (Hummingbird's application's, Vapor's route's) is
        // 1 KiB and the WebSocket layer refuses the frame.
        let transportWS = GraphQLTransportWSServerOptions.forTests { $0.maxInboundMessageBytes = Self.limit }
        try await adapter.withTestServer(graphQLWS: Self.small, graphQLTransportWS: transportWS) { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test(arguments: Adapter.allCases) func frameOverItsProtocolsLimitClosesWithMessageTooBig(adapter: Adapter) async throws {
        // graphql-ws at 1 KiB, graphql-transport-ws at 1 MiB: the frame passes the WebSocket layer.
        try await adapter.withTestServer(graphQLWS: Self.small) { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
            // websocket-kit's `close(code:)` cannot send the reason.
            if adapter.sendsCloseReasons { #expect(close?.reason == "Message too big") }
        }
    }

    @Test(arguments: Adapter.allCases) func graphQLTransportWSFrameOverItsLimitClosesWithMessageTooBig(adapter: Adapter) async throws {
        let transportWS = GraphQLTransportWSServerOptions.forTests { $0.maxInboundMessageBytes = Self.limit }
        try await adapter.withTestServer(graphQLTransportWS: transportWS) { url in
            let close = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test(arguments: Adapter.allCases) func fragmentedMessageOverTheLimitClosesWithMessageTooBig(adapter: Adapter) async throws {
        try await adapter.withTestServer(graphQLWS: Self.small) { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                // Each frame is within the limit; the message they make is not.
                let fragment = String(Self.oversized.prefix(256))
                try await socket.outbound.withTextMessageWriter { write in
                    for _ in 0..<16 { try await write(fragment) }
                }
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test(arguments: Adapter.allCases) func fragmentedMessageWithinTheLimitIsReassembled(adapter: Adapter) async throws {
        try await adapter.withTestServer(graphQLWS: Self.small) { url in
            _ = try await connect(to: url) { socket in
                try await socket.outbound.withTextMessageWriter { write in
                    for fragment in [#"{"type":"conn"#, #"ection_init","#, #""payload":{}}"#] { try await write(fragment) }
                }
                #expect(try await socket.next() == ["type": "connection_ack"])
            }
        }
    }
}
