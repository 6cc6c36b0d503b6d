import Logging
import NIOCore
import SubscriptionsTransportWS
import Vapor
import WebSocketKit

/// GraphQL over WebSocket on one Vapor route: picks the subprotocol during the upgrade and runs
/// each accepted WebSocket as a connection of the matching protocol server.
///
/// Most applications create an endpoint, add a route for it with `webSocket(_:graphQL:)` and let the
/// application close its connections at shutdown:
///
/// ```swift
/// let endpoint = GraphQLWebSocketEndpoint(server: server)
/// app.webSocket("graphql", graphQL: endpoint)
/// app.lifecycle.use(endpoint)
/// ```
///
/// Use ``upgrade(_:)`` in a route of your own to combine it with other checks, for example of
/// authentication headers before upgrading:
///
/// ```swift
/// app.get("graphql") { request -> Response in
///     guard request.headers[.authorization].first != nil else { throw Abort(.unauthorized) }
///     return try endpoint.upgrade(request)
/// }
/// ```
///
/// The endpoint keeps the choice of protocol in one place: the upgrade answers with the subprotocol
/// ``negotiate(_:)`` picks, and the accepted socket becomes a connection speaking that subprotocol.
///
/// ``shutDown(code:reason:)`` closes every connection of the endpoint's server (for example when the
/// application shuts down, with `app.lifecycle.use(endpoint)`) and waits for their sessions.
public struct GraphQLWebSocketEndpoint: Sendable {
    /// The served protocols and the server's decision about an upgrade request.
    private let endpoint: ServedEndpoint
    /// Shared by copies, so that a shutdown through any copy waits for the sessions of all of them.
    private let sessions = SessionRegistry()
    private let closeAllConnections: @Sendable (_ code: UInt16, _ reason: String) async -> Void

    /// How long, after the server sent its close frame, the client has to answer with its own.
    ///
    /// When it has not answered by then, the connection's work ends anyway. websocket-kit offers no
    /// way to drop the socket from outside, so the socket itself stays open until the client answers
    /// or goes away, or a WebSocket ping goes unanswered (see ``pingInterval``). By default 15
    /// seconds, as Hummingbird's `WebSocketServerConfiguration.closeTimeout`.
    public var closeTimeout: Duration

    /// How often the server sends a WebSocket ping; a ping not answered by the next one closes the
    /// socket. `nil` sends none.
    ///
    /// WebSocket pings find dead peers, which the protocols' own keep-alives (`graphql-ws`'s `ka` is
    /// only sent; `graphql-transport-ws`'s server `ping` is off by default) do not. By default every
    /// 30 seconds, as Hummingbird's WebSocket servers.
    public var pingInterval: Duration?

    /// How many bytes of inbound messages may wait for a connection that is behind, per connection.
    ///
    /// websocket-kit cannot pause reading a socket, so messages that arrive faster than the
    /// connection takes them wait in a buffer. A message that would take it over this budget while
    /// others still wait closes the socket with 1008 (policy violation) rather than growing memory
    /// without bound or dropping messages; one message always fits. By default 4 MiB.
    public var inboundBufferBytes: Int

    /// Creates an endpoint that serves every subprotocol of `server` (by default `graphql-transport-ws`
    /// and `graphql-ws`), preferring them in the server's order.
    ///
    /// - Parameters:
    ///   - server: The server that runs each connection.
    ///   - closeTimeout: How long the client has to answer the server's close frame.
    ///   - pingInterval: How often to send WebSocket pings; `nil` for none.
    ///   - inboundBufferBytes: How many bytes of inbound messages may wait, per connection.
    public init<Executor: GraphQLExecutor>(
        server: GraphQLWebSocketServer<Executor>,
        closeTimeout: Duration = .seconds(15),
        pingInterval: Duration? = .seconds(30),
        inboundBufferBytes: Int = 4 << 20
    ) {
        self.endpoint = ServedEndpoint(server: server)
        self.closeAllConnections = { code, reason in await server.closeAllConnections(code: code, reason: reason) }
        self.closeTimeout = closeTimeout
        self.pingInterval = pingInterval
        self.inboundBufferBytes = inboundBufferBytes
    }

    /// The subprotocols this endpoint serves, most preferred first.
    public var subprotocols: [WebSocketSubprotocol] { endpoint.subprotocols }

    /// The largest inbound message any served protocol accepts, in bytes.
    ///
    /// Each connection holds messages to its own protocol's limit; a longer message closes the
    /// socket with 1009 (message too big).
    public var maxMessageBytes: Int { endpoint.maxMessageBytes }

    /// The frame limit for the route's upgrade: ``maxMessageBytes``.
    ///
    /// Vapor's default is 16 KiB, and GraphQL documents are often longer: with this limit the
    /// protocols' own limits are the ones that apply. websocket-kit answers a longer single frame
    /// with a close frame of 1009 (message too big) itself.
    public var maxFrameSize: WebSocketMaxFrameSize { WebSocketMaxFrameSize(integerLiteral: maxMessageBytes) }

    /// Picks the subprotocol to answer an upgrade request with.
    ///
    /// Every `Sec-WebSocket-Protocol` header value is considered, each split at commas and trimmed;
    /// only an exact match is accepted, and the server's preference wins over the client's order.
    ///
    /// - Parameter headers: The upgrade request's headers.
    /// - Returns: The chosen subprotocol, or `nil` when the client offered none that is served.
    public func negotiate(_ headers: HTTPHeaders) -> WebSocketSubprotocol? {
        WebSocketSubprotocol.negotiate(offers: headers[.secWebSocketProtocol], supported: subprotocols)
    }

    /// The server's decision about an upgrade request (`GraphQLWebSocketServer.decideUpgrade(header:)`):
    /// the `Origin` check, subprotocol negotiation and the connection limit.
    ///
    /// - Parameter headers: The upgrade request's headers.
    /// - Returns: The subprotocol to answer with, or why the upgrade is refused.
    public func decide(_ headers: HTTPHeaders) -> Result<WebSocketSubprotocol, UpgradeRefusal> {
        endpoint.decide { headers[$0] }
    }

    /// Decides an upgrade: the response headers that accept it, or `nil` to refuse it.
    ///
    /// For the `shouldUpgrade` closure of Vapor's own `webSocket(_:maxFrameSize:shouldUpgrade:onUpgrade:)`.
    /// Vapor 4.122 leaves an upgrade that `shouldUpgrade` refuses unanswered (the client waits until
    /// it gives up), so refuse unacceptable offers before that, as ``upgrade(_:)`` does.
    ///
    /// - Parameter headers: The upgrade request's headers.
    /// - Returns: The `Sec-WebSocket-Protocol` response header, or `nil` when the server refuses the
    ///   upgrade (``decide(_:)``).
    public func shouldUpgrade(_ headers: HTTPHeaders) -> HTTPHeaders? {
        guard case .success(let subprotocol) = decide(headers) else { return nil }
        return Self.responseHeaders(accepting: subprotocol)
    }

    /// The `Sec-WebSocket-Protocol` response header that accepts `subprotocol`.
    private static func responseHeaders(accepting subprotocol: WebSocketSubprotocol) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: .secWebSocketProtocol, value: subprotocol.name)
        return headers
    }

    /// Answers a WebSocket upgrade request: switches protocols with the negotiated subprotocol and
    /// serves the socket, or refuses with the server's reason: `403 Forbidden` for an `Origin` that
    /// is not allowed, `400 Bad Request` when no served subprotocol is offered, `503 Service
    /// Unavailable` past the connection limit.
    ///
    /// Return it from a `GET` route. The offer is checked before the upgrade starts, so that a
    /// client offering no served subprotocol gets a status (Vapor leaves an upgrade refused later
    /// unanswered). Frames up to ``maxFrameSize`` are admitted.
    ///
    /// - Parameter request: The upgrade request.
    /// - Returns: The `101 Switching Protocols` response that upgrades the connection.
    /// - Throws: `Abort` with the refusal's status (``UpgradeRefusal/statusCode``).
    public func upgrade(_ request: Request) throws -> Response {
        let subprotocol: WebSocketSubprotocol
        switch decide(request.headers) {
        case .success(let accepted): subprotocol = accepted
        case .failure(let refusal):
            request.logger.debug("GraphQL WebSocket upgrade refused", metadata: ["graphql_ws.refusal": "\(refusal)"])
            throw Abort(HTTPResponseStatus(statusCode: refusal.statusCode), reason: "\(refusal)")
        }
        let responseHeaders = Self.responseHeaders(accepting: subprotocol)
        return request.webSocket(
            maxFrameSize: maxFrameSize,
            shouldUpgrade: { request -> EventLoopFuture<HTTPHeaders?> in
                request.eventLoop.makeSucceededFuture(responseHeaders)
            },
            onUpgrade: { request, webSocket in serve(request, webSocket: webSocket) }
        )
    }

    /// Serves an upgraded WebSocket, negotiating the subprotocol again from the upgrade request's
    /// headers (negotiation is deterministic, so this is the subprotocol the upgrade answered with).
    ///
    /// ``upgrade(_:)`` calls it. When you upgrade yourself, call it from the synchronous `onUpgrade`
    /// closure: it must register the socket's callbacks before the socket reads its first message.
    /// Returns at once; the connection runs in a task of its own until the socket has closed.
    ///
    /// - Parameters:
    ///   - request: The upgrade request.
    ///   - webSocket: The upgraded socket.
    public func serve(_ request: Request, webSocket: WebSocket) {
        guard let subprotocol = negotiate(request.headers) else {
            webSocket.close(code: .protocolError, promise: nil)
            return
        }
        let upgradeRequest = UpgradeRequest(
            headerFields: request.headers.map { UpgradeRequest.HeaderField(name: $0.name, value: $0.value) },
            remoteAddress: request.remoteAddress?.ipAddress
        )
        serve(subprotocol, webSocket: webSocket, request: upgradeRequest, logger: request.logger)
    }

    /// Serves an upgraded WebSocket with the server of one subprotocol, until the connection ends.
    ///
    /// Inbound messages are handed to the connection in arrival order; outbound frames are written
    /// batch by batch as the connection produces them, and the connection's close frame ends the
    /// socket with its code (websocket-kit sends no close reason). When the client closes or the
    /// socket fails, the connection is told the transport is gone, with the socket's close code.
    ///
    /// Call it from the route's synchronous `onUpgrade` closure, on the socket's event loop: messages
    /// that arrive before the socket's callbacks are registered are lost, and the `async` `onUpgrade`
    /// overload registers them too late. Returns at once.
    ///
    /// The connection runs in a task of its own (`Task {}`): Vapor hands the socket over in a
    /// synchronous callback and gives it no scope of its own to run structured work in. Everything
    /// else is structured inside that task (the protocol, the writer and the reader are its child
    /// tasks), and ``shutDown(code:reason:)`` awaits it.
    ///
    /// - Parameters:
    ///   - subprotocol: The negotiated subprotocol. One the endpoint does not serve closes the socket
    ///     with 1002 (protocol error).
    ///   - webSocket: The upgraded socket.
    ///   - request: The upgrade request, for the connect hook.
    ///   - logger: Where write failures are logged.
    public func serve(_ subprotocol: WebSocketSubprotocol, webSocket: WebSocket, request: UpgradeRequest = UpgradeRequest(), logger: Logger) {
        guard let served = endpoint.served(subprotocol) else {
            webSocket.close(code: .protocolError, promise: nil)
            return
        }
        let connection = served.makeConnection(request, nil, ContinuousClock())
        let inbound = InboundBuffer(maxMessageBytes: served.maxMessageBytes, budget: inboundBufferBytes)
        let register: @Sendable () -> Void = {
            webSocket.onText { _, text in inbound.append(.text(text)) }
            webSocket.onBinary { _, buffer in inbound.append(.binary(Array(buffer.readableBytesView))) }
        }
        // The callbacks live in event-loop-bound boxes: they can only be set on the socket's loop.
        if webSocket.eventLoop.inEventLoop {
            register()
        } else {
            webSocket.eventLoop.execute(register)
        }
        webSocket.onClose.whenComplete { _ in inbound.finish() }
        if let pingInterval {
            webSocket.pingInterval = TimeAmount(pingInterval)
        }

        let session = WebSocketSession(
            connection: connection,
            inbound: inbound,
            webSocket: webSocket,
            closeTimeout: closeTimeout,
            logger: logger
        )
        let sessions = self.sessions
        let id = sessions.register()
        let task = Task {
            await session.run()
            sessions.remove(id)
        }
        sessions.attach(task, to: id)
    }

    /// Closes every connection of the endpoint's server, and every later one, and waits for them to
    /// end and for their close handshakes.
    ///
    /// Each connection cancels its operations, runs its hooks and sends its close frame (see the
    /// server's `closeAllConnections(code:reason:)`). The wait is bounded by ``closeTimeout``: then
    /// the sessions still running are cancelled and awaited.
    ///
    /// - Parameters:
    ///   - code: The close code; by default 1001 (going away).
    ///   - reason: The close reason the hooks see (websocket-kit does not send it).
    public func shutDown(code: UInt16 = 1001, reason: String = "Going away") async {
        let closeAllConnections = self.closeAllConnections
        let tasks = sessions.tasks
        let timeout = closeTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                for task in tasks { task.cancel() }
            }
            group.addTask {
                await closeAllConnections(code, reason)
            }
            for task in tasks { await task.value }
            group.cancelAll()
        }
    }
}
