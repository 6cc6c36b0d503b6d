import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
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
