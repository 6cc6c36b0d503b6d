import Foundation
import NIOCore
import NIOPosix
import SubscriptionsConcurrency
import TestSupport

/// A WebSocket client written by hand on a NIO channel that reads only when told: it can stop
/// reading altogether, as a stalled or malicious client does, which a client library never lets a
/// test do. Its receive buffer is small, so the server's writes back up quickly once it stops.
final class RawWebSocket: Sendable {
    private let channel: any Channel
    private let collector: ByteCollector

    private init(channel: any Channel, collector: ByteCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to `url`, upgrades offering `subprotocol`, and reads the response head.
    static func connect(to url: URL, subprotocol: String, receiveBufferBytes: Int = 4096) async throws -> RawWebSocket {
        let collector = ByteCollector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // NIO's default of 10 s is too short for a sanitizer build with every test running at once.
            .connectTimeout(.seconds(60))
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: receiveBufferBytes)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: url.host!, port: url.port!)
            .get()
        let socket = RawWebSocket(channel: channel, collector: collector)
        let request = """
            GET \(url.path) HTTP/1.1\r
            Host: \(url.host!):\(url.port!)\r
            Connection: Upgrade\r
            Upgrade: websocket\r
            Sec-WebSocket-Version: 13\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Protocol: \(subprotocol)\r
            \r

            """
        try await channel.writeAndFlush(ByteBuffer(string: request))
        try await socket.read { bytes in
            guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return false }
            precondition(String(decoding: bytes[..<end.lowerBound], as: UTF8.self).hasPrefix("HTTP/1.1 101"), "upgrade refused")
            bytes.removeSubrange(..<end.upperBound)
            return true
        }
        return socket
    }

    /// Sends one masked text frame.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: Self.maskedTextFrame(text)))
    }

    /// A masked text frame (RFC 6455 §5.2; an all-zero mask key leaves the payload as is).
    static func maskedTextFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126)
            frame.append(contentsOf: [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)])
        }
        frame.append(contentsOf: [0, 0, 0, 0])
        frame.append(contentsOf: payload)
        return frame
    }

    /// Reads until `done` says the bytes received so far suffice; it may consume what it used. Then
    /// reads nothing more until asked again.
    func read(until done: @escaping @Sendable (inout [UInt8]) -> Bool) async throws {
        try await withTimeout(.seconds(30)) { [collector, channel] in
            while !collector.check(done) {
                channel.read()
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    /// Reads the server's frames until its close frame, the end of the stream, or `limit` bytes of
    /// text frames.
    ///
    /// - Returns: The bytes of text payload read, and the close frame if one came.
    func readFrames(upTo limit: Int) async throws -> (textBytes: Int, close: CloseFrame?) {
        try await withTimeout(.seconds(60)) { [collector, channel] in
            var pending: [UInt8] = []
            var textBytes = 0
            while true {
                // What arrived is taken out at once, so the event loop never waits on the parsing;
                // the next read is asked for at once while data flows.
                let (arrived, ended) = collector.takeAll()
                if arrived.isEmpty {
                    if ended { return (textBytes, nil) }
                    try await Task.sleep(for: .milliseconds(1))
                }
                pending += arrived
                var offset = 0
                while let (opcode, payload, size) = Self.frame(in: pending, at: offset) {
                    offset += size
                    if opcode == 0x8 { return (textBytes, CloseFrame(payload: payload)) }
                    if opcode == 0x1 { textBytes += payload.count }
                    if textBytes > limit { return (textBytes, nil) }
                }
                pending.removeFirst(offset)
                channel.read()
                await Task.yield()
            }
        }
    }

    /// A close frame the server sent.
    struct CloseFrame: Equatable {
        /// The close code; `nil` when the frame had none.
        var code: UInt16?
        var reason: String

        init(payload: [UInt8]) {
            code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
            reason = String(decoding: payload.dropFirst(2), as: UTF8.self)
        }
    }

    /// The unmasked server frame at `offset` in `bytes`, if it is complete: opcode, payload, size.
    private static func frame(in bytes: [UInt8], at offset: Int) -> (UInt8, [UInt8], Int)? {
        let available = bytes.count - offset
        guard available >= 2 else { return nil }
        var length = Int(bytes[offset + 1] & 0x7F)
        var header = 2
        if length == 126 {
            guard available >= 4 else { return nil }
            length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = bytes[offset + 2..<offset + 10].reduce(0) { $0 << 8 | Int($1) }
            header = 10
        }
        guard available >= header + length else { return nil }
        return (bytes[offset] & 0x0F, Array(bytes[offset + header..<offset + header + length]), header + length)
    }

    /// Closes the TCP connection.
    func close() async {
        try? await channel.close()
    }
}

/// Keeps what the channel reads; reads happen only when the test asks (`autoRead` is off).
private final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let state = Lock<(bytes: [UInt8], ended: Bool)>(([], false))

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.withLock { $0.bytes.append(contentsOf: buffer.readableBytesView) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLock { $0.ended = true }
        context.fireChannelInactive()
    }

    /// Runs `done` on the bytes received so far.
    func check(_ done: (inout [UInt8]) -> Bool) -> Bool {
        state.withLock { done(&$0.bytes) }
    }

    /// Takes every byte received so far, and says whether the stream has ended.
    func takeAll() -> (bytes: [UInt8], ended: Bool) {
        state.withLock { state in
            defer { state.bytes = [] }
            return state
        }
    }
}
