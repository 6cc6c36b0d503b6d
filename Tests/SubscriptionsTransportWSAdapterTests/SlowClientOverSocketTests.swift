import Foundation
import SubscriptionsTransportWS
import TestSupport
import Testing

/// A real socket that stops reading while a fast subscription streams to it, through every adapter:
/// the server stops at the outbound budget (what it holds for that client stays bounded), another
/// connection streams meanwhile, and after the slow-client timeout the stalled client is closed
/// with 1008.
// Serialized: each case streams as fast as its server can, and two cores are shared by all.
@Suite("Slow clients over a real socket", .serialized)
struct SlowClientOverSocketTests {
    static let budget = 64 * 1024

    @Test(arguments: Adapter.allCases) func aClientThatStopsReadingIsBoundedThenClosed1008(adapter: Adapter) async throws {
        var options = GraphQLTransportWSServerOptions.forTests()
        options.outboundBufferBytes = Self.budget
        // Long enough that the other connection, which reads all the time but slowly under a
        // sanitizer on a loaded machine, is never taken for a stalled one (seen at 500 ms).
        options.slowClientTimeout = .seconds(2)
        // The other connection's handshake may wait while the stalled one's stream fills the buffers.
        options.connectionInitWaitTimeout = nil
        let (hooks, events) = reportingHooks()
        try await adapter.withTestServer(graphQLTransportWS: options, hooks: hooks) { url in
            let slow = try await RawWebSocket.connect(to: url, subprotocol: "graphql-transport-ws")
            try await slow.send(#"{"type":"connection_init"}"#)
            try await slow.read { bytes in
                // Only the acknowledgement comes before the subscription starts.
                String(decoding: bytes, as: UTF8.self).contains("connection_ack") ? (bytes.removeAll(), true).1 : false
            }
            // From here on the client reads nothing while a counter of a billion values streams. Its
            // 8,000-character id is in every result: the buffers fill with few frames, so the test
            // costs little CPU beside the other tests.
            let id = String(repeating: "i", count: 8_000)
            try await slow.send(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"subscription { counter(n: 1000000000) }"}}"#)

            // Another connection streams to its end meanwhile.
            let close = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                try await socket.send(["type": "connection_init"])
                #expect(try await socket.next() == ["type": "connection_ack"])
                try await socket.send(["type": "subscribe", "id": "a", "payload": ["query": "subscription { counter(n: 5000) }"]])
                let messages = try await socket.messages(until: "complete", id: "a")
                #expect(messages.count == 5001)
            }
            #expect(close?.code == 1000)

            // Once the server closed the stalled connection, the client reads again: what the server
            // held for it (its budget, plus what the sockets and the channel buffer on the way), then
            // the close. A server that did not stop at its budget would stream on without end.
            try await withTimeout {
                for await event in events where event == "close 1008" { return }
            }
            let bound = 8 * Self.budget + 256 * 1024 + (try Self.largestSendBuffer()) + adapter.writerBufferBeyondBudget
            let (textBytes, closeFrame) = try await slow.readFrames(upTo: bound)
            #expect(textBytes <= bound)
            #expect(closeFrame?.code == 1008)
            await slow.close()
        }
    }

    /// The most a TCP socket here may hold for sending (`net.ipv4.tcp_wmem`'s maximum, in bytes).
    static func largestSendBuffer() throws -> Int {
        let limits = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)
        return try #require(limits.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) })
    }
}

extension Adapter {
    /// What the adapter's WebSocket writer may hold beyond the connection's outbound budget before
    /// its writes pause for a client that reads nothing. hummingbird-websocket's writer hands frames
    /// to NIO's asynchronous writer, which takes them until its event loop has seen the socket fill:
    /// how much depends on how far that loop lags behind the writing task (about 11 MB measured here
    /// on a quiet machine, 34 MB during a parallel test run). Still far below what an unbounded
    /// server streams in the test's two stalled seconds. The SwiftNIO channel and Vapor's writer
    /// take nothing past the budget.
    var writerBufferBeyondBudget: Int {
        self == .hummingbird ? 96 << 20 : 0
    }
}

/// A client that keeps sending while it reads nothing, over a real socket. The SwiftNIO channel and
/// hummingbird-websocket's router stop reading from a connection whose outbound budget is full, so
/// only Vapor, whose websocket-kit reads on regardless, reaches the rule that answers count
/// against the budget: the connection closes 1008 once a budget's worth of `pong`s waits.
@Suite("A client that sends without reading, over a real socket")
struct FloodingClientOverSocketTests {
    static let budget = 64 * 1024

    @Test func pingsFromAClientThatNeverReadsAreBoundedThenClosed1008() async throws {
        var options = GraphQLTransportWSServerOptions.forTests()
        options.outboundBufferBytes = Self.budget
        let (hooks, events) = reportingHooks()
        try await Adapter.vapor.withTestServer(graphQLTransportWS: options, hooks: hooks) { url in
            let client = try await RawWebSocket.connect(to: url, subprotocol: "graphql-transport-ws")
            try await client.send(#"{"type":"connection_init"}"#)
            try await client.read { bytes in
                String(decoding: bytes, as: UTF8.self).contains("connection_ack") ? (bytes.removeAll(), true).1 : false
            }
            // Pings of 4,000 bytes, twice what the socket buffers on the way can hold: a server that
            // queued every pong would hold all of them for this client.
            let padding = String(repeating: "p", count: 4_000)
            let sendBuffer = try SlowClientOverSocketTests.largestSendBuffer()
            let count = 2 * (sendBuffer + 8 * Self.budget) / padding.utf8.count
            for _ in 0..<count {
                // Once the server has closed, the socket may refuse more.
                do { try await client.send(#"{"type":"ping","payload":{"pad":"\#(padding)"}}"#) } catch { break }
            }
            try await withTimeout {
                for await event in events where event == "close 1008" { return }
            }
            // What the server held for this client: its budget, plus what the sockets took.
            let bound = sendBuffer + 8 * Self.budget + 256 * 1024
            let (textBytes, close) = try await client.readFrames(upTo: bound)
            #expect(textBytes <= bound)
            #expect(close?.code == 1008)
            await client.close()
        }
    }
}
