import NIOCore
import NIOHTTP1
import NIOWebSocket
import SubscriptionsTransportWS

/// GraphQL over WebSocket on SwiftNIO channels, without a web framework: the HTTP/1 upgrade of a
/// GraphQL path, and each upgraded socket served by a connection of the server.
///
/// This is the package's fastest transport. Each socket is a NIO channel handler on its event loop:
/// every frame that is ready is encoded into one buffer and written with one flush, and the
/// connection's tasks run on the channel's event loop, so a result goes from the executor to the
/// socket without a thread switch.
///
/// Configure each accepted connection with ``configureHTTP1Pipeline(on:decoderLimits:notUpgraded:)``,
/// then, in the task that serves it, run the upgraded socket:
///
/// ```swift
/// let endpoint = GraphQLWebSocketNIOEndpoint(server: server)
/// let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
///     .bind(host: "127.0.0.1", port: 8080) { channel in
///         channel.eventLoop.makeCompletedFuture {
///             try endpoint.configureHTTP1Pipeline(on: channel) { channel, refusal in
///                 // A refused upgrade gets its status (403, 400 or 503); other requests 404.
///                 let status = refusal.map { HTTPResponseStatus(statusCode: $0.statusCode) } ?? .notFound
///                 return GraphQLWebSocketNIOEndpoint.respond(status, on: channel)
///             }
///         }
///     }
/// try await withThrowingDiscardingTaskGroup { group in
///     try await listener.executeThenClose { connections in
///         for try await upgrade in connections {
///             group.addTask {
///                 if case .webSocket(let socket) = try? await upgrade.get() { await socket.run() }
///             }
///         }
///     }
/// }
/// ```
///
/// Hummingbird applications get the same transport, next to their routes, from
/// `HTTPServerBuilder.http1GraphQLWebSocket` in `SubscriptionsTransportWSHummingbird`.
public struct GraphQLWebSocketNIOEndpoint: Sendable {
    /// The served protocols and the server's decision about an upgrade request.
    private let endpoint: ServedEndpoint

    /// The path of the GraphQL endpoint; upgrades to other paths are not taken.
    public var path: String

    /// WebSocket-level settings: pings and the close timeout.
    public var configuration: GraphQLWebSocketChannelConfiguration

    /// Creates an endpoint that serves every subprotocol of `server`, preferring them in the server's
    /// order.
    ///
    /// - Parameters:
    ///   - server: The server that runs each connection.
    ///   - path: The endpoint's path. By default `/graphql`.
    ///   - configuration: WebSocket-level settings.
    public init<Executor: GraphQLExecutor>(
        server: GraphQLWebSocketServer<Executor>,
        path: String = "/graphql",
        configuration: GraphQLWebSocketChannelConfiguration = GraphQLWebSocketChannelConfiguration()
    ) {
        self.endpoint = ServedEndpoint(server: server)
        self.path = path
        self.configuration = configuration
    }

    /// The subprotocols this endpoint serves, most preferred first.
    public var subprotocols: [WebSocketSubprotocol] { endpoint.subprotocols }

    /// The largest inbound message any served protocol accepts, in bytes.
    public var maxMessageBytes: Int { endpoint.maxMessageBytes }

    /// Picks the subprotocol to answer an upgrade request with: every `Sec-WebSocket-Protocol` value
    /// is split at commas and trimmed, only exact matches count, and the server's preference wins.
    ///
    /// - Parameter headers: The upgrade request's headers.
    /// - Returns: The chosen subprotocol, or `nil` when the client offered none that is served.
    public func negotiate(_ headers: HTTPHeaders) -> WebSocketSubprotocol? {
        WebSocketSubprotocol.negotiate(offers: headers["Sec-WebSocket-Protocol"], supported: subprotocols)
    }

    /// Configures a newly accepted connection for HTTP/1 with the GraphQL WebSocket upgrade.
    ///
    /// The first request decides: an upgrade to ``path`` that the server accepts
    /// (`GraphQLWebSocketServer.decideUpgrade(header:)`: allowed `Origin`, a served subprotocol,
    /// room under the connection limit) becomes a GraphQL WebSocket; anything else is handed, as
    /// HTTP/1, to `notUpgraded`, with the refusal when it was an upgrade to ``path`` (answer it with
    /// the refusal's ``UpgradeRefusal/statusCode``). Call it on the channel's event loop, as
    /// a child channel initializer is.
    ///
    /// A plain upgrade request, as WebSocket clients send it (`GET`, `HTTP/1.1`, printable ASCII
    /// header lines), is read by a strict parser of its own and answered directly, which makes
    /// connection set-up cheaper; every other first request goes through NIO's HTTP/1 codec.
    ///
    /// - Parameters:
    ///   - channel: The accepted connection.
    ///   - decoderLimits: Limits of the HTTP/1 request decoder.
    ///   - notUpgraded: Configures the channel for HTTP when it is not upgraded. The pipeline then
    ///     holds NIO's HTTP/1 server codec (`HTTPServerRequestPart` in, `HTTPServerResponsePart` out)
    ///     without pipelining assistance or error handling.
    /// - Returns: What the connection became, once the first request is decided.
    /// - Throws: When the pipeline cannot be configured.
    public func configureHTTP1Pipeline<NotUpgraded: Sendable>(
        on channel: any Channel,
        decoderLimits: NIOHTTPDecoderLimitConfiguration = NIOHTTPDecoderLimitConfiguration(),
        notUpgraded: @escaping @Sendable (_ channel: any Channel, _ refusal: UpgradeRefusal?) -> EventLoopFuture<NotUpgraded>
    ) throws -> EventLoopFuture<GraphQLWebSocketUpgradeResult<NotUpgraded>> {
        // Reads start small and grow as the client sends more: NIO keeps each channel's last read
        // buffer for reuse, and an idle connection should not hold on to a 2 KiB one.
        try channel.syncOptions?.setOption(
            .recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
        )
        let firstRequest = FirstRequestHandler<NotUpgraded>(
            endpoint: self,
            outcome: channel.eventLoop.makePromise()
        ) { channel in
            try configureNIOHTTP1Pipeline(on: channel, decoderLimits: decoderLimits, notUpgraded: notUpgraded)
        }
        try channel.pipeline.syncOperations.addHandler(firstRequest)
        return firstRequest.outcome.futureResult
    }

    /// SwiftNIO's HTTP/1 pipeline with the GraphQL WebSocket upgrade, for the first requests that
    /// ``FirstRequestHandler`` does not take itself.
    private func configureNIOHTTP1Pipeline<NotUpgraded: Sendable>(
        on channel: any Channel,
        decoderLimits: NIOHTTPDecoderLimitConfiguration,
        notUpgraded: @escaping @Sendable (_ channel: any Channel, _ refusal: UpgradeRefusal?) -> EventLoopFuture<NotUpgraded>
    ) throws -> EventLoopFuture<GraphQLWebSocketUpgradeResult<NotUpgraded>> {
        let decision = NIOLoopBoundBox<Decision?>(nil, eventLoop: channel.eventLoop)
        let upgrader = Upgrader<GraphQLWebSocketUpgradeResult<NotUpgraded>>(endpoint: self, decision: decision) { .webSocket($0) }
        var pipeline = NIOUpgradableHTTPServerPipelineConfiguration(
            upgradeConfiguration: NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    let refusal: UpgradeRefusal? =
                        if case .refuse(let refusal) = decision.value { refusal } else { nil }
                    return notUpgraded(channel, refusal).map { .notUpgraded($0) }
                }
            )
        )
        pipeline.enablePipelining = false
        pipeline.enableErrorHandling = false
        pipeline.decoderConfiguration = decoderLimits
        return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
    }

    /// The decision about one upgrade request.
    enum Decision {
        case notForUs
        case refuse(UpgradeRefusal)
        case accept(ServedSubprotocol)
    }

    func decide(_ head: HTTPRequestHead) -> Decision {
        guard head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first == path[...] else {
            return .notForUs
        }
        switch endpoint.decide(header: { head.headers[$0] }) {
        case .failure(let refusal):
            return .refuse(refusal)
        case .success(let subprotocol):
            guard let served = endpoint.served(subprotocol) else { return .refuse(.noAcceptableSubprotocol) }
            return .accept(served)
        }
    }

    /// Answers every request on an HTTP/1 channel with an empty response of `status` and closes it:
    /// the simplest `notUpgraded` handler for a server that serves nothing else.
    ///
    /// - Parameters:
    ///   - status: The response status.
    ///   - channel: The channel as ``configureHTTP1Pipeline(on:decoderLimits:notUpgraded:)`` hands it.
    /// - Returns: A future that succeeds once the responder is in place.
    public static func respond(_ status: HTTPResponseStatus, on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(StatusResponder(status: status))
        }
    }
}

/// What a connection configured by ``GraphQLWebSocketNIOEndpoint`` became.
public enum GraphQLWebSocketUpgradeResult<NotUpgraded: Sendable>: Sendable {
    /// The first request was a GraphQL WebSocket upgrade: run the socket.
    case webSocket(GraphQLWebSocketChannel)
    /// The connection stayed HTTP/1, configured by the `notUpgraded` handler.
    case notUpgraded(NotUpgraded)
}

/// Takes a WebSocket upgrade to the endpoint's path, answering with the negotiated subprotocol, and
/// puts NIO's frame decoder and the GraphQL handler in the pipeline. NIO's own WebSocket upgrader is
/// not used because it also installs a frame encoder, which would force one buffer per frame.
private struct Upgrader<UpgradeResult: Sendable>: NIOTypedHTTPServerProtocolUpgrader {
    let endpoint: GraphQLWebSocketNIOEndpoint
    /// The decision about the upgrade request, taken once: the upgrade and the not-upgraded path
    /// both follow it (the connection limit may have changed in between).
    let decision: NIOLoopBoundBox<GraphQLWebSocketNIOEndpoint.Decision?>
    let makeResult: @Sendable (GraphQLWebSocketChannel) -> UpgradeResult

    var supportedProtocol: String { "websocket" }
    var requiredUpgradeHeaders: [String] { [] }

    func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        channel.eventLoop.makeCompletedFuture {
            guard let accept = webSocketAccept(upgradeRequest.headers) else {
                throw NIOWebSocketUpgradeError.invalidUpgradeHeader
            }
            let decided = endpoint.decide(upgradeRequest)
            decision.value = decided
            switch decided {
            case .notForUs, .refuse:
                throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget
            case .accept(let served):
                var headers = initialResponseHeaders
                headers.replaceOrAdd(name: "Upgrade", value: "websocket")
                headers.replaceOrAdd(name: "Connection", value: "upgrade")
                headers.add(name: "Sec-WebSocket-Accept", value: accept)
                headers.add(name: "Sec-WebSocket-Protocol", value: served.subprotocol.name)
                return headers
            }
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            guard case .accept(let served) = decision.value else {
                throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget
            }
            return makeResult(
                try GraphQLWebSocketChannel(
                    channel,
                    served: served,
                    request: UpgradeRequest(upgradeRequest, channel: channel),
                    configuration: endpoint.configuration
                )
            )
        }
    }
}

extension UpgradeRequest {
    /// The request as the connection's hooks see it: `head`'s header fields and the channel's peer.
    init(_ head: HTTPRequestHead, channel: any Channel) {
        self.init(
            headerFields: head.headers.map { HeaderField(name: $0.name, value: $0.value) },
            remoteAddress: channel.remoteAddress?.ipAddress
        )
    }
}

/// Answers each HTTP request with an empty response and closes the connection.
private final class StatusResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let status: HTTPResponseStatus

    init(status: HTTPResponseStatus) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(
            version: .http1_1,
            status: status,
            headers: HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context = context.loopBound] _ in
            context.value.close(promise: nil)
        }
    }
}
