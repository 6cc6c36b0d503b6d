import HummingbirdWSClient
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

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
            // websocket-kit shows the client's close code (not its reason).
            #expect(observed == ["complete 1", "disconnect", "close 1000"])
        }
    }

    @Test func clientLeavingMidStreamLeavesServerServing() async throws {
        let (hooks, events) = Self.reportingHooks()
        try await withTestServer(hooks: hooks) { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                // A value every millisecond: frames are on their way when the socket goes.
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 1) }"],
                ])
                #expect(try await socket.next()?.objectValue?["type"] == "data")
            }
            let observed = try await Self.eventsUntilClose(events)
            #expect(observed == ["complete 1", "disconnect", "close 1000"])
            for _ in 0..<3 {
                _ = try await connect(port: port) { socket in
                    #expect(try await socket.initialize() == ["type": "connection_ack"])
                    try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                    #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
                }
            }
        }
    }

    @Test func serverCloseEndsTheConnectionAfterTheCloseHandshake() async throws {
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

    @Test func applicationShutdownClosesLiveConnectionsWithGoingAway() async throws {
        let (hooks, events) = Self.reportingHooks()
        let server = try await TestServer.start(hooks: hooks)
        let (subscribed, subscribedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let close = try await connect(port: server.port, headers: graphQLTransportWSOffer) { socket in
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
            try await server.app.asyncShutdown()
            try await group.waitForAll()
        }
        let observed = try await Self.eventsUntilClose(events)
        #expect(observed == ["complete 1", "disconnect", "close 1001"])
    }
}
