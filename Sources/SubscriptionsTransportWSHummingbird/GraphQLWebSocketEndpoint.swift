import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import SubscriptionsTransportWS

/// GraphQL over WebSocket on one Hummingbird route: picks the subprotocol during the upgrade and runs
/// each accepted WebSocket as a connection of the matching protocol server.
///
/// Most applications do not create an endpoint themselves: `router.ws("/graphql", graphQL: server)`
/// adds a route for a server. Create one to combine the pieces differently, for example to check
/// authentication headers before upgrading:
///
/// ```swift
/// let endpoint = GraphQLWebSocketEndpoint(server: server)
/// router.ws(
///     "/graphql",
///     shouldUpgrade: { request, _ in
///         guard request.headers[.authorization] != nil else { return .dontUpgrade }
///         return try endpoint.shouldUpgrade(request.head)
///     },
///     onUpgrade: { inbound, outbound, context in
///         try await endpoint.serve(requestHeaders: context.request.headers, inbound: inbound, outbound: outbound, logger: context.logger)
///     }
/// )
/// ```
///
/// The endpoint keeps the choice of protocol in one place: the upgrade answers with the subprotocol
/// ``negotiate(_:)`` picks, and the accepted socket becomes a connection speaking that subprotocol.
public struct GraphQLWebSocketEndpoint: Sendable {
    /// The served protocols and the server's decision about an upgrade request.
    private let endpoint: ServedEndpoint

    /// How long, after the server sent its close frame, the client has to answer with its own before
    /// the socket is dropped.
    ///
    /// A client that never answers must not keep a finished connection's handler alive. By default
    /// 15 seconds, as Hummingbird's `WebSocketServerConfiguration.closeTimeout`.
    public var closeTimeout: Duration

    /// Creates an endpoint that serves every subprotocol of `server` (by default `graphql-transport-ws`
    /// and `graphql-ws`), preferring them in the server's order.
    ///
    /// - Parameters:
    ///   - server: The server that runs each connection.
    ///   - closeTimeout: How long the client has to answer the server's close frame.
    public init<Executor: GraphQLExecutor>(server: GraphQLWebSocketServer<Executor>, closeTimeout: Duration = .seconds(15)) {
        self.endpoint = ServedEndpoint(server: server)
        self.closeTimeout = closeTimeout
    }

    /// The subprotocols this endpoint serves, most preferred first.
    public var subprotocols: [WebSocketSubprotocol] { endpoint.subprotocols }

    /// The largest inbound message any served protocol accepts, in bytes.
    ///
    /// The application's `WebSocketServerConfiguration.maxFrameSize` must be at least this large, or
    /// longer single-frame messages are refused by the WebSocket layer before the protocol sees them
    /// (see ``HummingbirdWebSocket/WebSocketServerConfiguration/graphQL(maxMessageBytes:autoPing:closeTimeout:)``).
    /// Each connection then holds messages to its own protocol's limit.
    public var maxMessageBytes: Int { endpoint.maxMessageBytes }

    /// Picks the subprotocol to answer an upgrade request with.
    ///
    /// Every `Sec-WebSocket-Protocol` header value is considered, each split at commas and trimmed;
    /// only an exact match is accepted, and the server's preference wins over the client's order.
    ///
    /// - Parameter headers: The upgrade request's headers.
    /// - Returns: The chosen subprotocol, or `nil` when the client offered none that is served.
    public func negotiate(_ headers: HTTPFields) -> WebSocketSubprotocol? {
        WebSocketSubprotocol.negotiate(offers: headers[values: .secWebSocketProtocol], supported: subprotocols)
    }

    /// The server's decision about an upgrade request (`GraphQLWebSocketServer.decideUpgrade(header:)`):
    /// the `Origin` check, subprotocol negotiation and the connection limit.
    ///
    /// - Parameter request: The upgrade request. Its `authority` is the HTTP/1 `Host` header.
    /// - Returns: The subprotocol to answer with, or why the upgrade is refused.
    public func decide(_ request: HTTPRequest) -> Result<WebSocketSubprotocol, UpgradeRefusal> {
        endpoint.decide { name in
            // HTTPTypes keeps HTTP/1's Host as the request's authority, not among its fields.
            if name.lowercased() == "host" { return request.authority.map { [$0] } ?? [] }
            return HTTPField.Name(name).map { request.headerFields[values: $0] } ?? []
        }
    }

    /// Decides a router upgrade: upgrade with the negotiated subprotocol, or refuse.
    ///
    /// - Parameter request: The upgrade request.
    /// - Returns: `.upgrade` with the `Sec-WebSocket-Protocol` response header.
    /// - Throws: An `HTTPError` with the refusal's status (``UpgradeRefusal/statusCode``: 403 for an
    ///   `Origin` that is not allowed, 400 when no served subprotocol is offered, 503 past the
    ///   connection limit), which Hummingbird answers before closing the connection.
    public func shouldUpgrade(_ request: HTTPRequest) throws -> RouterShouldUpgrade {
        switch decide(request) {
        case .success(let subprotocol):
            return .upgrade([.secWebSocketProtocol: subprotocol.name])
        case .failure(let refusal):
            throw HTTPError(HTTPResponse.Status(code: refusal.statusCode), message: "\(refusal)")
        }
    }

    /// Decides an upgrade for a server built without a router, with
    /// `HTTPServerBuilder.http1WebSocketUpgrade(configuration:shouldUpgrade:)`.
    ///
    /// The request's path is not checked: check it first and answer `.dontUpgrade` for other paths.
    ///
    /// ```swift
    /// server: .http1WebSocketUpgrade(configuration: .init(ws: .graphQL())) { request, channel, _ in
    ///     guard request.path == "/graphql" else { return .dontUpgrade }
    ///     return endpoint.upgrade(request, remoteAddress: channel.remoteAddress?.ipAddress)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - request: The upgrade request; the connect hook sees its headers.
    ///   - remoteAddress: The client's address (`channel.remoteAddress?.ipAddress`), for the connect
    ///     hook.
    /// - Returns: `.upgrade` with the `Sec-WebSocket-Protocol` response header and a handler that
    ///   serves the socket, or `.dontUpgrade` when the server refuses the upgrade (``decide(_:)``);
    ///   the application's HTTP responder then answers the request. To answer refusals with their
    ///   own status (403 for a foreign `Origin`), use a router route or
    ///   `HTTPServerBuilder.http1GraphQLWebSocket`.
    public func upgrade<Context: WebSocketContext>(
        _ request: HTTPRequest,
        remoteAddress: String? = nil
    ) -> ShouldUpgradeResult<WebSocketDataHandler<Context>> {
        guard case .success(let subprotocol) = decide(request) else { return .dontUpgrade }
        let upgradeRequest = UpgradeRequest(headerFields: Self.headerFields(request.headerFields), remoteAddress: remoteAddress)
        return .upgrade([.secWebSocketProtocol: subprotocol.name]) { inbound, outbound, context in
            try await serve(subprotocol, inbound: inbound, outbound: outbound, request: upgradeRequest, logger: context.logger)
        }
    }

    /// Serves an upgraded WebSocket, negotiating the subprotocol again from the upgrade request's
    /// headers (negotiation is deterministic, so this is the subprotocol the upgrade answered with).
    ///
    /// - Parameters:
    ///   - requestHeaders: The upgrade request's headers; the connect hook sees them.
    ///   - remoteAddress: The client's address, for the connect hook, if known.
    ///   - inbound: The socket's inbound frames.
    ///   - outbound: The socket's writer.
    ///   - logger: Where write failures are logged.
    /// - Throws: The error that ended the inbound stream (for example a message over the size limit),
    ///   so that Hummingbird closes the socket with the matching close code.
    public func serve(
        requestHeaders: HTTPFields,
        remoteAddress: String? = nil,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        logger: Logger
    ) async throws {
        guard let subprotocol = negotiate(requestHeaders) else {
            try await outbound.close(.protocolError, reason: "No supported subprotocol")
            return
        }
        let request = UpgradeRequest(headerFields: Self.headerFields(requestHeaders), remoteAddress: remoteAddress)
        try await serve(subprotocol, inbound: inbound, outbound: outbound, request: request, logger: logger)
    }

    /// Header fields as the connect hook sees them.
    static func headerFields(_ fields: HTTPFields) -> [UpgradeRequest.HeaderField] {
        fields.map { UpgradeRequest.HeaderField(name: $0.name.canonicalName, value: $0.value) }
    }

    /// Serves an upgraded WebSocket with the server of one subprotocol, until the connection ends.
    ///
    /// Inbound messages are handed to the connection in arrival order; outbound frames are written
    /// batch by batch as the connection produces them, and the connection's close frame ends the
    /// socket with its code and reason. When the client closes or the socket fails, the connection is
    /// told the transport is gone. The call returns once the connection, its operations and its hooks
    /// have finished and the close handshake is done (or ``closeTimeout`` has passed).
    ///
    /// - Parameters:
    ///   - subprotocol: The negotiated subprotocol. One the endpoint does not serve closes the socket
    ///     with 1002 (protocol error).
    ///   - inbound: The socket's inbound frames.
    ///   - outbound: The socket's writer.
    ///   - request: The upgrade request, for the connect hook.
    ///   - logger: Where write failures are logged.
    /// - Throws: The error that ended the inbound stream (for example a message over the size limit),
    ///   so that Hummingbird closes the socket with the matching close code.
    public func serve(
        _ subprotocol: WebSocketSubprotocol,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        request: UpgradeRequest = UpgradeRequest(),
        logger: Logger
    ) async throws {
        guard let served = endpoint.served(subprotocol) else {
            try await outbound.close(.protocolError, reason: "Unsupported subprotocol \(subprotocol.name)")
            return
        }
        let session = WebSocketSession(
            connection: served.makeConnection(request, nil, ContinuousClock()),
            maxMessageBytes: served.maxMessageBytes,
            closeTimeout: closeTimeout,
            logger: logger
        )
        try await session.run(inbound: inbound, outbound: outbound)
    }
}
