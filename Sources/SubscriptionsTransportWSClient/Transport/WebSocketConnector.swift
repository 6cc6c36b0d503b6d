import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import SubscriptionsConcurrency

/// Opens a WebSocket: TCP (and TLS), then the HTTP upgrade offering subprotocols.
///
/// This is written on SwiftNIO rather than `HummingbirdWSClient`, because that client does not
/// reveal the upgrade response: the `Sec-WebSocket-Protocol` the server chose (which decides the
/// protocol spoken) and the HTTP status of a refused upgrade are both needed here.
struct WebSocketConnector: Sendable {
    var url: WebSocketURL
    /// The subprotocol names to offer, most preferred first.
    var offers: [String]
    var headers: HTTPFields
    var maxMessageBytes: Int
    /// Bounds the TCP connect, and separately the TLS handshake plus upgrade.
    var handshakeTimeout: Duration
    var sslContext: NIOSSLContext?
    var eventLoopGroup: any EventLoopGroup

    /// An open WebSocket and the subprotocol the server answered with.
    struct Opened: Sendable {
        var channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
        var subprotocol: String?
    }

    /// Held while a pipeline is set up, so that no two event loops set one up at the same moment.
    ///
    /// Swift 6.3's runtime crashed in this set-up twice in CI (`gqlws load`, several connections
    /// opened at once): a null pointer inside `swift_getTypeByMangledName`, while the first
    /// connections of the process instantiated the same generic types' metadata on two threads.
    /// Set-up takes microseconds and a client opens connections rarely, so taking turns costs
    /// nothing measurable and removes that concurrency. (The guarded value is unused: a lock of
    /// `()` made ThreadSanitizer report the zero-sized value's access as a race with the lock's own
    /// fields.)
    private static let pipelineSetUp = Lock(false)

    private enum UpgradeOutcome: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, subprotocol: String?)
        case refused(any Channel, EventLoopFuture<HTTPResponseHead>)
    }

    /// Connects and upgrades.
    ///
    /// - Returns: The open WebSocket; the caller owns its channel.
    /// - Throws: ``GraphQLWebSocketClientError/connectionFailed(reason:)`` or
    ///   ``GraphQLWebSocketClientError/upgradeRefused(status:reasonPhrase:)``.
    func connect() async throws(GraphQLWebSocketClientError) -> Opened {
        let upgrade: EventLoopFuture<UpgradeOutcome>
        do {
            upgrade = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(handshakeTimeout))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: url.host, port: url.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try Self.pipelineSetUp.withLock { _ in try configurePipeline(channel) }
                    }
                }
        } catch {
            throw .connectionFailed(reason: "\(url.hostHeader): \(Self.describe(error))")
        }
        let outcome: UpgradeOutcome
        do {
            outcome = try await upgrade.get()
        } catch {
            throw .connectionFailed(reason: "WebSocket handshake with \(url.hostHeader) failed: \(Self.describe(error))")
        }
        switch outcome {
        case .upgraded(let channel, let subprotocol):
            return Opened(channel: channel, subprotocol: subprotocol)
        case .refused(let channel, let response):
            let head = try? await response.get()
            try? await channel.close()
            guard let head else {
                throw .connectionFailed(reason: "\(url.hostHeader) closed the connection during the WebSocket upgrade")
            }
            throw .upgradeRefused(status: Int(head.status.code), reasonPhrase: head.status.reasonPhrase)
        }
    }

    /// Sets up TLS and the upgrading HTTP/1.1 pipeline on a new channel; runs on its event loop.
    private func configurePipeline(_ channel: any Channel) throws -> EventLoopFuture<UpgradeOutcome> {
        if let sslContext {
            let serverName = Self.isIPAddress(url.host) ? nil : url.host
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: sslContext, serverHostname: serverName),
                position: .first
            )
        }
        let maxMessageBytes = self.maxMessageBytes
        let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeOutcome>(
            maxFrameSize: maxMessageBytes,
            upgradePipelineHandler: { channel, response in
                channel.eventLoop.makeCompletedFuture {
                    try Self.pipelineSetUp.withLock { _ in
                        // Servers may fragment long messages; the protocols only ever see whole ones.
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0,
                                maxAccumulatedFrameCount: Int.max,
                                maxAccumulatedFrameSize: maxMessageBytes
                            )
                        )
                        let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel
                        )
                        let answer = response.headers["Sec-WebSocket-Protocol"].first
                        return UpgradeOutcome.upgraded(asyncChannel, subprotocol: answer.map(Self.trimmed))
                    }
                }
            }
        )

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.hostHeader)
        headers.add(name: "Sec-WebSocket-Protocol", value: offers.joined(separator: ", "))
        for field in self.headers {
            headers.add(name: field.name.rawName, value: field.value)
        }
        let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.requestTarget, headers: headers)
        let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<UpgradeOutcome>(
            upgradeRequestHead: requestHead,
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let recorder = ResponseHeadRecorder(promise: channel.eventLoop.makePromise())
                    try channel.pipeline.syncOperations.addHandler(recorder)
                    return .refused(channel, recorder.promise.futureResult)
                }
            }
        )
        var pipelineConfiguration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
        pipelineConfiguration.leftOverBytesStrategy = .forwardBytes
        let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
            configuration: pipelineConfiguration
        )
        // A server that accepts TCP but never answers the upgrade must not hold the client for ever:
        // closing the channel fails the pending upgrade.
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(handshakeTimeout)) {
            channel.close(promise: nil)
        }
        outcome.whenComplete { _ in timeout.cancel() }
        return outcome
    }

    private static func trimmed(_ value: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(value.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// A short description of a connection error, for people.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if let dnsError = error.dnsAAAAError ?? error.dnsAError { return "host not found (\(dnsError))" }
            return "\(error)"
        }
        if let error = error as? IOError { return error.description }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout(let timeout): return "connect timed out after \(timeout)"
            case .ioOnClosedChannel, .alreadyClosed, .eof: return "the connection was closed"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}

/// Catches the response head of a refused upgrade, which the upgrade handler passes on after
/// deciding not to upgrade.
private final class ResponseHeadRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<HTTPResponseHead>

    init(promise: EventLoopPromise<HTTPResponseHead>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.succeed(head)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }
}
