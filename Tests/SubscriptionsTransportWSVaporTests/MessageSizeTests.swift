import HummingbirdWSClient
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

/// The inbound message limit (D8): a message over its protocol's limit ends the socket with 1009
/// (message too big), whether websocket-kit or the adapter catches it.
@Suite("Message size limit")
struct MessageSizeTests {
    private static let limit = 1024
    private static let small = GraphQLWSServerOptions(maxInboundMessageBytes: limit)
    private static let oversized = String(repeating: "x", count: 4 * limit)

    @Test func frameOverTheRoutesFrameSizeClosesWithMessageTooBig() async throws {
        // Both protocols at 1 KiB: the route's frame size is 1 KiB and websocket-kit refuses the frame.
        let transportWS = GraphQLTransportWSServerOptions(maxInboundMessageBytes: Self.limit)
        try await withTestServer(graphQLWS: Self.small, graphQLTransportWS: transportWS) { port in
            let close = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func frameOverItsProtocolsLimitClosesWithMessageTooBig() async throws {
        // graphql-ws at 1 KiB, graphql-transport-ws at 1 MiB: the frame passes websocket-kit.
        try await withTestServer(graphQLWS: Self.small) { port in
            let close = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func graphQLTransportWSFrameOverItsLimitClosesWithMessageTooBig() async throws {
        let transportWS = GraphQLTransportWSServerOptions(maxInboundMessageBytes: Self.limit)
        try await withTestServer(graphQLTransportWS: transportWS) { port in
            let close = try await connect(port: port, headers: graphQLTransportWSOffer) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(Self.oversized)
                #expect(try await socket.next() == nil)
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func fragmentedMessageOverTheLimitClosesWithMessageTooBig() async throws {
        try await withTestServer(graphQLWS: Self.small) { port in
            let close = try await connect(port: port) { socket in
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

    @Test func fragmentedMessageWithinTheLimitIsReassembled() async throws {
        try await withTestServer(graphQLWS: Self.small) { port in
            _ = try await connect(port: port) { socket in
                try await socket.outbound.withTextMessageWriter { write in
                    for fragment in [#"{"type":"conn"#, #"ection_init","#, #""payload":{}}"#] { try await write(fragment) }
                }
                #expect(try await socket.next() == ["type": "connection_ack"])
            }
        }
    }
}
