import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS
import TestSupport
import Testing

/// The seed-style interface the README's "Wire the core to any WebSocket" shows first —
/// `decideUpgrade(header:)`, `makeConnection(speaking:)`, `receive(_:)`, `run(send:close:)` and
/// `transportClosed()` — wired to hummingbird-websocket's plain reader and writer, over a real socket.
@Suite("run(send:close:) over a real socket")
struct SeedInterfaceTests {
    /// Serves `/graphql` exactly as the README's example does, with no adapter of this package.
    private func withSeedServer(_ body: @Sendable (_ url: URL) async throws -> Void) async throws {
        let server = try makeGraphQLServer()
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))
        let builder: HTTPServerBuilder = .http1WebSocketUpgrade(configuration: configuration) { request, _, _ in
            let decision = server.decideUpgrade { name in
                if name.lowercased() == "host" { return request.authority.map { [$0] } ?? [] }
                return HTTPField.Name(name).map { request.headerFields[values: $0] } ?? []
            }
            guard request.path == "/graphql", case .success(let subprotocol) = decision else { return .dontUpgrade }
            return .upgrade([.secWebSocketProtocol: subprotocol.name]) { inbound, outbound, _ in
                let connection = server.makeConnection(speaking: subprotocol)
                await withDiscardingTaskGroup { group in
                    group.addTask {
                        await connection.run(
                            send: { text in try await outbound.write(.text(text)) },
                            close: { code, reason in try await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason) }
                        )
                    }
                    do {
                        for try await message in inbound.messages(maxSize: server.maxInboundMessageBytes) {
                            switch message {
                            case .text(let text): connection.receive(.text(text))
                            case .binary(let buffer): connection.receive(.binary(Array(buffer.readableBytesView)))
                            }
                        }
                    } catch {}
                    connection.transportClosed()
                }
            }
        }
        try await withHummingbirdApplication(server: builder) { port in try await body(graphQLURL(port: port)) }
    }

    @Test func graphQLWSQueryAndSubscriptionThroughSendAndClose() async throws {
        try await withSeedServer { url in
            let close = try await connect(to: url) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "q", "payload": ["query": "{ hello }"]])
                let query = try await socket.messages(until: "complete", id: "q")
                #expect(query.first == ["type": "data", "id": "q", "payload": ["data": ["hello": "Hello world"]]])
                try await socket.send(["type": "start", "id": "s", "payload": ["query": "subscription { counter(n: 3) }"]])
                let results = try await socket.messages(until: "complete", id: "s").filter { $0.objectValue?["type"] == "data" }
                #expect(results.count == 3)
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test func graphQLTransportWSCloseCodeGoesThroughClose() async throws {
        try await withSeedServer { url in
            let close = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
                // A server-only message from the client closes 4400 (D5), through `close`.
                try await socket.send(["type": "next", "id": "1", "payload": [:]])
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 4400)
        }
    }
}
