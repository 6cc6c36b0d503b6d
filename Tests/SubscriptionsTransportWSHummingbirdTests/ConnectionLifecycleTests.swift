import HummingbirdWSClient
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSHummingbird

/// How the socket's end reaches the connection, and the server's close reaching the socket.
@Suite("Connection lifecycle")
struct ConnectionLifecycleTests {
    /// Hooks that report operation ends, disconnects and closes on a stream.
    private static func reportingHooks() -> (ServerHooks<JSONObject>, AsyncStream<String>) {
        let (events, continuation) = AsyncStream.makeStream(of: String.self)
        let hooks = ServerHooks<JSONObject>(
            onOperationComplete: { id in continuation.yield("complete \(id)") },
            onDisconnect: { _, _ in continuation.yield("disconnect") },
            onClose: { closure in continuation.yield("close \(closure.code.map(String.init) ?? "without code")") }
        )
        return (hooks, events)
    }

    /// The hook events up to the connection's close.
    private static func eventsUntilClose(_ events: AsyncStream<String>) async throws -> [String] {
        try await withTimeout {
            var observed: [String] = []
            for await event in events {
                observed.append(event)
                if event.hasPrefix("close") { break }
            }
            return observed
        }
    }

    @Test func clientCloseEndsLiveOperationsAndDisconnects() async throws {
        let (hooks, events) = Self.reportingHooks()
        try await withTestServer(hooks: hooks) { port in
            let close = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"],
                ])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["counter": 0]]])
                // Returning closes the socket from the client's side with the subscription live.
            }
            #expect(close?.closeCode == .normalClosure)
            let observed = try await Self.eventsUntilClose(events)
            // hummingbird-websocket answers a client's close frame itself and does not show its code.
            #expect(observed == ["complete 1", "disconnect", "close without code"])
        }
    }

    @Test func clientLeavingMidStreamLeavesServerServing() async throws {
        let (hooks, events) = Self.reportingHooks()
        try await withTestServer(hooks: hooks) { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                // A value every millisecond: frames are on their way when the socket goes. (A source
                // with no pause at all would hog the test process's few threads while it floods.)
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 1) }"],
                ])
                #expect(try await socket.next()?.objectValue?["type"] == "data")
            }
            let observed = try await Self.eventsUntilClose(events)
            // hummingbird-websocket answers a client's close frame itself and does not show its code.
            #expect(observed == ["complete 1", "disconnect", "close without code"])
            for _ in 0..<3 {
                _ = try await connect(port: port) { socket in
                    #expect(try await socket.initialize() == ["type": "connection_ack"])
                    try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                    #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
                }
            }
        }
    }

    @Test func serverCloseEndsTheHandlerAfterTheCloseHandshake() async throws {
        let (hooks, events) = Self.reportingHooks()
        try await withTestServer(hooks: hooks) { port in
            let close = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"]])
                #expect(try await socket.next()?.objectValue?["type"] == "data")
                try await socket.send(["type": "connection_terminate"])
                while try await socket.next() != nil {}
            }
            #expect(close?.code == 1000)
            let observed = try await Self.eventsUntilClose(events)
            #expect(observed == ["complete 1", "disconnect", "close 1000"])
        }
    }

    @Test func closeReasonIsCutToFitACloseFrame() {
        #expect(WebSocketSession.closeReason("Unauthorized") == "Unauthorized")
        let ascii = String(repeating: "a", count: 200)
        #expect(WebSocketSession.closeReason(ascii) == String(repeating: "a", count: 123))
        // "é" is two UTF-8 bytes: 61 of them are 122 bytes, and the 62nd would cross 123.
        let accented = String(repeating: "é", count: 100)
        #expect(WebSocketSession.closeReason(accented) == String(repeating: "é", count: 61))
    }
}
