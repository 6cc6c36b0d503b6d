import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSTesting
import Synchronization
import TestSupport
import Testing

@testable import SubscriptionsTransportWSNIO

/// What only the SwiftNIO channel has: the bare NIO server, its own handshake and frame encoding,
/// the batched writer's order and its back-pressure on a client that stops reading.
@Suite("SwiftNIO channel")
struct NIOChannelTests {
    @Test func handshakeAcceptValueIsRFC6455s() {
        // The example of RFC 6455 §1.3.
        #expect(webSocketAccept(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(base64(Array("f".utf8)) == "Zg==")
        #expect(base64(Array("fo".utf8)) == "Zm8=")
        #expect(base64(Array("foo".utf8)) == "Zm9v")
        let digest = sha1(Array("abc".utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(digest == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func bareNIOServerServesBothProtocolsAndRefusesOtherRequests() async throws {
        try await withBareNIOServer(try makeGraphQLServer()) { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello(name: \"nio\") }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello nio"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
            _ = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "subscribe", "id": "a", "payload": ["query": "subscription { counter(n: 2) }"]])
                #expect(try await socket.next() == ["type": "next", "id": "a", "payload": ["data": ["counter": 0]]])
                #expect(try await socket.next() == ["type": "next", "id": "a", "payload": ["data": ["counter": 1]]])
                #expect(try await socket.next() == ["type": "complete", "id": "a"])
            }
            #expect(try await upgradeResponse(url: url, offers: ["chat"])?.status == 400)
            var other = URLComponents(url: url, resolvingAgainstBaseURL: false)!
            other.path = "/elsewhere"
            #expect(try await upgradeResponse(url: other.url!, offers: ["graphql-ws"])?.status == 404)
        }
    }

    @Test func batchedFramesArriveInOrderAndNothingFollowsComplete() async throws {
        let count = 20_000
        try await withHummingbirdNIOServer(try makeGraphQLServer()) { url in
            for offer in [graphQLWSOffer, graphQLTransportWSOffer] {
                _ = try await connect(to: url, headers: offer) { socket in
                    #expect(try await socket.initialize() == ["type": "connection_ack"])
                    let start: JSONValue = offer == graphQLWSOffer ? "start" : "subscribe"
                    let query = JSONValue.string("subscription { counter(n: \(count)) }")
                    try await socket.send(["type": start, "id": "1", "payload": ["query": query]])
                    var expected = 0
                    while let message = try await socket.next() {
                        if message.objectValue?["type"] == "complete" { break }
                        #expect(message.objectValue?["payload"] == ["data": ["counter": .integer(expected)]])
                        expected += 1
                    }
                    #expect(expected == count)
                    // A ping after the complete is answered first: nothing of the operation followed it.
                    if offer == graphQLTransportWSOffer {
                        try await socket.send(["type": "ping"])
                        #expect(try await socket.next() == ["type": "pong"])
                    } else {
                        try await socket.send(["type": "probe"])
                        #expect(try await socket.next() == ["type": "error", "payload": ["message": "Invalid message type!"]])
                    }
                }
            }
        }
    }

    @Test func clientThatStopsReadingStallsTheServersOutputInsteadOfGrowingIt() async throws {
        let sent = SentBytes()
        let server = GraphQLWebSocketServer(
            executor: try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make()),
            observer: sent
        )
        try await withHummingbirdNIOServer(server) { url in
            _ = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "subscribe", "id": "1", "payload": ["query": "subscription { counter(n: 100000000) }"]])
                #expect(try await socket.next() == ["type": "next", "id": "1", "payload": ["data": ["counter": 0]]])
                // The client reads nothing more: its buffers, the kernel's and the server's fill up,
                // and then the server stops producing. Wait until what the server wrote stops growing.
                let stalledAt = try await withTimeout(.seconds(60)) {
                    var previous = -1
                    while true {
                        try await Task.sleep(for: .milliseconds(500))
                        let now = sent.bytes
                        if now == previous { return now }
                        previous = now
                    }
                }
                // Socket buffers on loopback hold a few MiB; the connection's own budget is 1 MiB.
                #expect(stalledAt < 64 << 20)
                // Reading again resumes the stream where it stopped, in order: read what waited
                // until the server writes more (a bounded loop: the stall held less than 64 MiB).
                var expected = 1
                while sent.bytes <= stalledAt, expected < 2_000_000, let message = try await socket.next() {
                    #expect(message.objectValue?["payload"] == ["data": ["counter": .integer(expected)]])
                    expected += 1
                }
                #expect(sent.bytes > stalledAt)
            }
        }
    }

    @Test func requestHeadParserTakesPlainUpgradesAndLeavesTheRestToNIO() throws {
        func parse(_ head: String) -> HTTPRequestHead? {
            Array(head.utf8).withUnsafeBytes { RequestHeadParser.parse($0) }
        }
        let browser = parse(
            "GET /graphql?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Protocol: graphql-ws\r\nSec-WebSocket-Protocol:graphql-transport-ws \r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: a=1;\tb=2"
        )
        let head = try #require(browser)
        #expect(head.uri == "/graphql?x=1")
        #expect(head.headers["sec-websocket-protocol"] == ["graphql-ws", "graphql-transport-ws"])
        #expect(head.headers["Cookie"] == ["a=1;\tb=2"])
        #expect(RequestHeadParser.isWebSocketUpgrade(head))
        #expect(webSocketAccept(head.headers) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

        let plain = try #require(parse("GET / HTTP/1.1\r\nHost: x"))
        #expect(!RequestHeadParser.isWebSocketUpgrade(plain))
        // What HTTP allows beyond the strict form goes to NIO's parser.
        let others = [
            "POST /graphql HTTP/1.1\r\nHost: x",
            "GET /graphql HTTP/1.0\r\nHost: x",
            "GET  /graphql HTTP/1.1\r\nHost: x",
            "GET /graphql HTTP/1.1\nHost: x",
            "GET /graphql HTTP/1.1\r\nHost: x\r\n folded",
            "GET /graphql HTTP/1.1\r\nUser-Agent: caf\u{e9}",
            "GET /graphql HTTP/1.1\r\nBad Name: x",
            "GET /graphql HTTP/1.1\r\n: x",
            "GET /graphql HTTP/1.1\r\nContent-Length: 5",
            "GET /graphql HTTP/1.1\r\nTransfer-Encoding: chunked",
            "GET /graphql HTTP/1.1\r",
            "",
        ]
        for other in others { #expect(parse(other) == nil, "\(other)") }

        func headLength(_ bytes: String) -> Int? { Array(bytes.utf8).withUnsafeBytes(RequestHeadParser.headLength) }
        #expect(headLength("GET / HTTP/1.1\r\nHost: x\r\n\r\n\u{81}") == 23)
        #expect(headLength("\r\n\r\n") == 0)
        #expect(headLength("GET / HTTP/1.1\r\n\r\r\n") == nil)
        #expect(headLength("GET / HTTP/1.1\r\nHost: x\r\n\r") == nil)
    }

    /// Upgrade requests the first-request handler takes itself and ones it hands to NIO's HTTP/1
    /// pipeline all become connections; the frames a client sends right after its request (in the
    /// same write) reach the connection.
    @Test func everyUpgradeRequestFormIsServed() async throws {
        let request = { (extra: String) in
            "GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\(extra)\r\n"
        }
        let initialise = RawWebSocket.maskedTextFrame(#"{"type":"connection_init"}"#)
        let plain = Array(request("").utf8)
        let forms: [(name: String, writes: [[UInt8]])] = [
            ("in one write with the first frame", [plain + initialise]),
            ("in pieces", [Array(plain[..<20]), Array(plain[20..<plain.count - 1]), Array(plain[(plain.count - 1)...]), initialise]),
            ("with a value NIO's parser takes", [Array(request("User-Agent: caf\u{e9}\r\n").utf8), initialise]),
            ("with a 20 KB cookie", [Array(request("Cookie: \(String(repeating: "c", count: 20_000))\r\n").utf8), initialise]),
        ]
        try await withBareNIOServer(try makeGraphQLServer()) { url in
            for form in forms {
                let answer = try await exchange(with: url, writes: form.writes, until: "connection_ack")
                #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), "\(form.name)")
                #expect(answer.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), "\(form.name)")
                #expect(answer.contains(#"{"type":"connection_ack"}"#), "\(form.name)")
            }
        }
    }

    /// A client that ends its side before a whole request came is closed: Hummingbird's servers
    /// allow half-closure, and a connection left open would hold the server's shutdown for ever.
    @Test func aClientThatLeavesBeforeItsRequestIsClosed() async throws {
        try await withHummingbirdNIOServer(try makeGraphQLServer()) { url in
            for sent in ["", "GET /graphql HTTP/1.1\r\nHost: x\r\n"] {
                let ended = try await withTimeout(.seconds(30)) {
                    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .connect(host: url.host!, port: url.port!) { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                                    wrappingChannelSynchronously: channel,
                                    configuration: .init(isOutboundHalfClosureEnabled: true)
                                )
                            }
                        }
                    return try await channel.executeThenClose { inbound, outbound in
                        if !sent.isEmpty { try await outbound.write(ByteBuffer(string: sent)) }
                        outbound.finish()
                        for try await _ in inbound {}
                        return true
                    }
                }
                #expect(ended, "after \(sent.count) bytes")
            }
        }
    }

    @Test func theEventLoopClockSleepsUntilItsDeadlineAndEndsAtOnceWhenCancelled() async throws {
        let clock = EventLoopClock(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        try await withTimeout {
            let deadline = clock.now.advanced(by: .milliseconds(20))
            try await clock.sleep(until: deadline)
            #expect(clock.now >= deadline)
            // A deadline already past ends the sleep without error.
            try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))

            // An hour's sleep ends as soon as its task is cancelled, whether that comes before the
            // sleep starts or while it waits.
            let waiting = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(3600))) }
            try await Task.sleep(for: .milliseconds(10))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            let cancelledFirst = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await clock.sleep(until: clock.now.advanced(by: .seconds(3600)))
            }
            await #expect(throws: CancellationError.self) { try await cancelledFirst.value }
        }
    }

    @Test func aSocketIsServedFromItsUpgradeWithoutTheHostRunningIt() async throws {
        // A host that never calls `run()`: the connection starts at the upgrade, answers, and its
        // `finished` completes once the client has closed.
        let server = try makeGraphQLServer()
        let endpoint = GraphQLWebSocketNIOEndpoint(server: server)
        let sockets = Recorder<GraphQLWebSocketChannel>()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try endpoint.configureHTTP1Pipeline(on: channel) { channel, _ in
                        GraphQLWebSocketNIOEndpoint.respond(.notFound, on: channel)
                    }
                }
            }
        let url = graphQLURL(port: listener.channel.localAddress!.port!)
        let listening = listener.channel
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await listener.executeThenClose { inbound in
                    for try await upgrade in inbound {
                        if case .webSocket(let socket) = try await upgrade.get() { sockets.record(socket) }
                    }
                }
            }
            _ = try await connect(to: url, headers: graphQLTransportWSOffer) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "subscribe", "id": "a", "payload": ["query": "{ hello(name: \"loop\") }"]])
                #expect(try await socket.next() == ["type": "next", "id": "a", "payload": ["data": ["hello": "Hello loop"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "a"])
            }
            let served = sockets.values
            #expect(served.count == 1)
            for socket in served { try await withTimeout { try await socket.finished.get() } }
            try await listening.close()
            group.cancelAll()
        }
    }

    @Test func tasksOnTheEventLoopLeaveItsSocketsServed() async throws {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = EventLoopTaskExecutor.of(loop.next())
        let echo = try await ServerBootstrap(group: loop)
            .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let spins = Atomic(0)
        let stopped = Atomic(false)
        // A task on the loop that never waits; bounded, so that a starved loop fails the test rather
        // than hanging it.
        let spinner = Task(executorPreference: executor) { () -> (onLoop: Bool, stopped: Bool) in
            var onLoop = true
            while !stopped.load(ordering: .relaxed), spins.load(ordering: .relaxed) < 2_000_000 {
                onLoop = onLoop && executor.eventLoop.inEventLoop
                spins.add(1, ordering: .relaxed)
                await Task.yield()
            }
            return (onLoop, stopped.load(ordering: .relaxed))
        }
        while spins.load(ordering: .relaxed) < 100 { try await Task.sleep(for: .milliseconds(1)) }
        // Accepting, reading and writing the echo all need the loop's socket work.
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: echo.localAddress!.port!) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let answer = try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "ping"))
            var answer = ByteBuffer()
            for try await var part in inbound {
                answer.writeBuffer(&part)
                if answer.readableBytes >= 4 { break }
            }
            return String(buffer: answer)
        }
        stopped.store(true, ordering: .relaxed)
        let outcome = await spinner.value
        try await echo.close()
        try await loop.shutdownGracefully()
        #expect(answer == "ping")
        #expect(outcome.onLoop)
        #expect(outcome.stopped, "the echo came only after the spinning task ran out")
    }
}

/// Writes `writes` to `url`'s server one by one, 10 ms apart, and returns what it answers, as text,
/// until that contains `marker` or the server closes.
private func exchange(with url: URL, writes: [[UInt8]], until marker: String) async throws -> String {
    try await withTimeout {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: url.host!, port: url.port!) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            for bytes in writes {
                try await outbound.write(ByteBuffer(bytes: bytes))
                try await Task.sleep(for: .milliseconds(10))
            }
            var answer = ""
            for try await part in inbound {
                answer += String(decoding: part.readableBytesView, as: UTF8.self)
                if answer.contains(marker) { break }
            }
            return answer
        }
    }
}

/// Writes back what it reads.
private final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// Counts the bytes of text frames every connection handed to its transport.
private final class SentBytes: GraphQLWebSocketObserver {
    private let total = Atomic(0)

    var bytes: Int { total.load(ordering: .relaxed) }

    func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection) {
        if case .messagesSent(_, let bytes) = event { total.add(bytes, ordering: .relaxed) }
    }
}
