import NIOCore
import NIOHTTP1
import SubscriptionsTransportWS

/// The first handler of a new connection: reads its first request head and, when that is a plain
/// WebSocket upgrade that the endpoint accepts, answers `101` and puts the WebSocket handlers in the
/// pipeline itself. Any other first request, and any head it does not fully understand, goes to
/// SwiftNIO's HTTP/1 pipeline with its bytes replayed, and is served as before.
///
/// Setting up and then removing NIO's HTTP/1 codec and upgrade handler cost about a sixth of the
/// server's time in a burst of new connections; a GraphQL client's upgrade request is a few short
/// header lines, read here in one pass.
final class FirstRequestHandler<NotUpgraded: Sendable>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias Outcome = GraphQLWebSocketUpgradeResult<NotUpgraded>

    /// The longest request head read here; a longer one goes to NIO's parser and its limits.
    static var maxHeadBytes: Int { 16 * 1024 }

    private let endpoint: GraphQLWebSocketNIOEndpoint
    /// Puts NIO's HTTP/1 pipeline after this handler, for a request not taken here.
    private let handOver: (any Channel) throws -> EventLoopFuture<Outcome>
    /// What the connection became.
    let outcome: EventLoopPromise<Outcome>
    private var received: ByteBuffer?
    private var decided = false

    init(
        endpoint: GraphQLWebSocketNIOEndpoint,
        outcome: EventLoopPromise<Outcome>,
        handOver: @escaping (any Channel) throws -> EventLoopFuture<Outcome>
    ) {
        self.endpoint = endpoint
        self.outcome = outcome
        self.handOver = handOver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        guard let received else { return }
        guard let length = received.withUnsafeReadableBytes(RequestHeadParser.headLength) else {
            if received.readableBytes > Self.maxHeadBytes { handOver(context: context) }
            return
        }
        guard length <= Self.maxHeadBytes,
            let head = received.withUnsafeReadableBytes({ RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: $0[..<length])) }),
            RequestHeadParser.isWebSocketUpgrade(head),
            let accept = webSocketAccept(head.headers),
            case .accept(let served) = endpoint.decide(head)
        else { return handOver(context: context) }
        upgrade(context: context, head: head, served: served, accept: accept, headLength: length + 4)
    }

    /// Answers `101`, installs the WebSocket handlers and passes on what followed the head.
    private func upgrade(context: ChannelHandlerContext, head: HTTPRequestHead, served: ServedSubprotocol, accept: String, headLength: Int) {
        decided = true
        var leftover = received!
        received = nil
        leftover.moveReaderIndex(forwardBy: headLength)
        var response = context.channel.allocator.buffer(capacity: 192)
        response.writeString(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                + "Sec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Protocol: \(served.subprotocol.name)\r\n\r\n"
        )
        context.writeAndFlush(wrapOutboundOut(response), promise: nil)
        do {
            let socket = try GraphQLWebSocketChannel(
                context.channel,
                served: served,
                request: UpgradeRequest(head, channel: context.channel),
                configuration: endpoint.configuration
            )
            outcome.succeed(.webSocket(socket))
        } catch {
            outcome.fail(error)
            context.close(promise: nil)
            return
        }
        if leftover.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(leftover)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Puts NIO's HTTP/1 pipeline in place, replays what was read, and leaves.
    private func handOver(context: ChannelHandlerContext) {
        decided = true
        do {
            try handOver(context.channel).cascade(to: outcome)
        } catch {
            outcome.fail(error)
            context.close(promise: nil)
            return
        }
        if let received {
            self.received = nil
            context.fireChannelRead(wrapInboundOut(received))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !decided else { return context.fireUserInboundEventTriggered(event) }
        // The client ended its side (servers that allow half-closure, as Hummingbird's do), or the
        // server is shutting down, before a whole request came: there is nothing to answer, and a
        // connection left open would hold the server's shutdown.
        if event as? ChannelEvent == .inputClosed || event is ChannelShouldQuiesceEvent {
            decided = true
            outcome.fail(ChannelError.eof)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            outcome.fail(ChannelError.eof)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !decided else { return context.fireErrorCaught(error) }
        decided = true
        outcome.fail(error)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !decided {
            decided = true
            outcome.fail(ChannelError.ioOnClosedChannel)
        }
    }
}

/// A strict reader of HTTP/1.1 request heads, for the requests a WebSocket client sends: `GET`,
/// `HTTP/1.1`, CRLF line ends, header names of token characters and values of printable ASCII.
/// Whatever else HTTP allows is left to NIO's parser.
enum RequestHeadParser {
    /// The length of the head at the start of `bytes`, up to its final empty line (`CRLF CRLF`,
    /// not counted); `nil` while that line has not arrived.
    static func headLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 3
        while index < bytes.count {
            // Look at every fourth byte for the last of the four; step back to check the rest.
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                if bytes[index - 1] == UInt8(ascii: "\r"), bytes[index - 2] == UInt8(ascii: "\n"), bytes[index - 3] == UInt8(ascii: "\r") {
                    return index - 3
                }
                index += 2
            case UInt8(ascii: "\r"):
                index += 1
            default:
                index += 4
            }
        }
        return nil
    }

    /// The request line and header fields of `bytes`, a head without its final empty line; `nil` when
    /// it is not of the strict form above, or announces a body.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPRequestHead? {
        var lineStart = 0
        var target: String?
        var fields: [(String, String)] = []
        var index = 0
        while index <= bytes.count {
            let atEnd = index == bytes.count
            if !atEnd {
                switch bytes[index] {
                case UInt8(ascii: "\r"):
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") else { return nil }
                case UInt8(ascii: "\n"):
                    return nil
                default:
                    index += 1
                    continue
                }
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<index])
            if target == nil {
                guard let requestTarget = requestTarget(line) else { return nil }
                target = requestTarget
            } else {
                guard let field = field(line) else { return nil }
                fields.append(field)
            }
            index += 2
            lineStart = index
        }
        guard let target else { return nil }
        let headers = HTTPHeaders(fields)
        guard headers["Transfer-Encoding"].isEmpty, headers["Content-Length"].allSatisfy({ $0 == "0" }) else { return nil }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
    }

    /// Whether `head` asks for a WebSocket: `Upgrade: websocket` and `Connection: upgrade` (tokens
    /// of comma-separated lists, in any case).
    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "Upgrade"].contains { $0.lowercased() == "websocket" }
            && head.headers[canonicalForm: "Connection"].contains { $0.lowercased() == "upgrade" }
    }

    /// The target of a request line `GET <target> HTTP/1.1`.
    private static func requestTarget(_ line: UnsafeRawBufferPointer) -> String? {
        let method = "GET ".utf8
        let version = " HTTP/1.1".utf8
        guard line.count > method.count + version.count, line.starts(with: method),
            line[(line.count - version.count)...].elementsEqual(version)
        else { return nil }
        let target = line[method.count..<line.count - version.count]
        guard target.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return String(decoding: target, as: UTF8.self)
    }

    /// A header line `name: value`, the value without surrounding spaces and tabs.
    private static func field(_ line: UnsafeRawBufferPointer) -> (String, String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let name = line[..<colon]
        guard name.allSatisfy(isTokenCharacter) else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var value = line[(colon + 1)...]
        while let first = value.first, isBlank(first) { value = value.dropFirst() }
        while let last = value.last, isBlank(last) { value = value.dropLast() }
        guard value.allSatisfy({ (0x20...0x7E).contains($0) || $0 == UInt8(ascii: "\t") }) else { return nil }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110's `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
