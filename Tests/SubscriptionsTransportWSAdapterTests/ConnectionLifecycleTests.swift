import HummingbirdWSClient
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

/// How the socket's end reaches the connection, and the server's close reaching the socket.
@Suite("Connection lifecycle")
struct ConnectionLifecycleTests {
    /// The close event the hooks report when the client closes normally (code 1000).
    private static func clientCloseEvent(on adapter: Adapter) -> String {
        switch adapter {
        // hummingbird-websocket answers a client's close frame itself and does not show its code.
        case .hummingbird: "close without code"
        // websocket-kit shows the client's close code (not its reason); so does the NIO channel.
        case .vapor, .hummingbirdNIO: "close 1000"
        }
    }

    @Test(arguments: Adapter.allCases) func clientCloseEndsLiveOperationsAndDisconnects(adapter: Adapter) async throws {
        let (hooks, events) = reportingHooks()
        try await adapter.withTestServer(hooks: hooks) { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"],
                ])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["counter": 0]]])
                // Returning closes the socket from the client's side with the subscription live.
            }
            #expect(close?.closeCode == .normalClosure)
            let observed = try await eventsUntilClose(events)
            #expect(observed == ["complete 1", "disconnect", Self.clientCloseEvent(on: adapter)])
        }
    }

    @Test(arguments: Adapter.allCases) func clientLeavingMidStreamLeavesServerServing(adapter: Adapter) async throws {
        let (hooks, events) = reportingHooks()
        try await adapter.withTestServer(hooks: hooks) { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                // A value every millisecond: frames are on their way when the socket goes. (A source
                // with no pause at all would hog the test process's few threads while it floods.)
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 1) }"],
                ])
                #expect(try await socket.next()?.objectValue?["type"] == "data")
            }
            let observed = try await eventsUntilClose(events)
            #expect(observed == ["complete 1", "disconnect", Self.clientCloseEvent(on: adapter)])
            for _ in 0..<3 {
                _ = try await connect(to: url) { socket in
                    #expect(try await socket.initialize() == ["type": "connection_ack"])
                    try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                    #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
                }
            }
        }
    }

    @Test(arguments: Adapter.allCases) func serverCloseEndsTheConnectionAfterTheCloseHandshake(adapter: Adapter) async throws {
        let (hooks, events) = reportingHooks()
        try await adapter.withTestServer(hooks: hooks) { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"]])
                #expect(try await socket.next()?.objectValue?["type"] == "data")
                try await socket.send(["type": "connection_terminate"])
                while try await socket.next() != nil {}
            }
            #expect(close?.code == 1000)
            let observed = try await eventsUntilClose(events)
            #expect(observed == ["complete 1", "disconnect", "close 1000"])
        }
    }
}
