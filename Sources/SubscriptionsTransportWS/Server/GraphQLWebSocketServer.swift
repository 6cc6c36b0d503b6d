/// A GraphQL-over-WebSocket server: the executor, hooks and options every connection shares, for
/// both `graphql-transport-ws` and `graphql-ws` (Apollo `subscriptions-transport-ws`).
///
/// Create one server; decide each WebSocket upgrade with ``decideUpgrade(header:)``,
/// then create the connection with ``makeConnection(speaking:clock:)``.
public struct GraphQLWebSocketServer<Executor: GraphQLExecutor>: Sendable {
    /// Runs the operations.
    public let executor: Executor
    /// The application's callbacks.
    public let hooks: ServerHooks<Executor.Context>
    /// Limits and choices for `graphql-ws` connections.
    public let graphQLWSOptions: GraphQLWSServerOptions
    /// Limits and choices for `graphql-transport-ws` connections.
    public let graphQLTransportWSOptions: GraphQLTransportWSServerOptions
    /// The subprotocols served, most preferred first.
    public let subprotocols: [WebSocketSubprotocol]
    /// Told of every connection's events, for logs and metrics.
    public let observer: (any GraphQLWebSocketObserver)?
    /// What an upgrade must pass: the `Origin` check and the connection limit.
    public let upgradePolicy: UpgradePolicy
    let connections = ConnectionRegistry()

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - executor: Runs each operation.
    ///   - hooks: Decide about connections and observe operations.
    ///   - graphQLWS: Options of `graphql-ws` connections; the defaults are the specification's.
    ///   - graphQLTransportWS: Options of `graphql-transport-ws` connections.
    ///   - subprotocols: Which protocols to serve, most preferred first.
    ///   - observer: Told of every connection's events, for logs and metrics.
    ///   - upgrade: What an upgrade must pass; by default pages of the request's own host only, and at
    ///     most 16,384 connections.
    public init(
        executor: Executor,
        hooks: ServerHooks<Executor.Context>,
        graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
        graphQLTransportWS: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
        subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
        observer: (any GraphQLWebSocketObserver)? = nil,
        upgrade: UpgradePolicy = UpgradePolicy()
    ) {
        self.upgradePolicy = upgrade
        self.executor = executor
        self.hooks = hooks
        self.graphQLWSOptions = graphQLWS
        self.graphQLTransportWSOptions = graphQLTransportWS
        self.subprotocols = subprotocols
        self.observer = observer
    }

    /// Closes every running connection of this server, and every one that starts later, then waits
    /// until they have all ended: a graceful shutdown.
    ///
    /// Operations are cancelled and each connection's close frame is its last message. Bound the wait
    /// by cancelling the calling task (connections still end; only the waiting stops).
    ///
    /// - Parameters:
    ///   - code: The close code; by default 1001 "Going away", which tells clients to reconnect.
    ///   - reason: The close reason.
    public func closeAllConnections(code: UInt16 = 1001, reason: String = "Going away") async {
        await connections.closeAll(code: code, reason: reason)
    }

    /// The subprotocol to answer a WebSocket upgrade with.
    ///
    /// - Parameter offers: The values of every `Sec-WebSocket-Protocol` request header.
    /// - Returns: The preferred served subprotocol the client offered, or `nil` to refuse the upgrade.
    public func negotiate(offers: some Sequence<some StringProtocol>) -> WebSocketSubprotocol? {
        WebSocketSubprotocol.negotiate(offers: offers, supported: subprotocols)
    }

    /// The largest inbound message any served protocol accepts; hosts limit their frames to it.
    public var maxInboundMessageBytes: Int {
        subprotocols.map(maxInboundMessageBytes(for:)).max() ?? 0
    }

    /// The largest inbound message a connection speaking `subprotocol` accepts.
    public func maxInboundMessageBytes(for subprotocol: WebSocketSubprotocol) -> Int {
        subprotocol == .graphQLTransportWS
            ? graphQLTransportWSOptions.maxInboundMessageBytes : graphQLWSOptions.maxInboundMessageBytes
    }

    /// Creates the protocol side of one accepted WebSocket.
    ///
    /// - Parameters:
    ///   - subprotocol: The protocol the connection speaks, as negotiated.
    ///   - request: The HTTP request that opened the WebSocket, for the connect hook; its
    ///     `trustsProxy` is set from the server's ``OriginPolicy/trustsForwardedHost``.
    ///   - clock: The clock for keep-alive and the init timeout; tests pass a manual clock.
    ///   - taskExecutor: The executor the connection's operations, hooks and timers prefer (for
    ///     example one on the socket's own thread, so that results reach it without a thread switch);
    ///     `nil` runs them on the global concurrent executor.
    /// - Returns: A connection to feed frames to and to run.
    public func makeConnection(
        speaking subprotocol: WebSocketSubprotocol,
        request: UpgradeRequest = UpgradeRequest(),
        clock: any Clock<Duration> = ContinuousClock(),
        taskExecutor: (any TaskExecutor)? = nil
    ) -> ServerConnection<Executor> {
        makeConnection(
            speaking: subprotocol,
            negotiated: subprotocol.name,
            request: request,
            clock: clock,
            taskExecutor: taskExecutor
        )
    }

    /// Creates a connection for a host that accepted a WebSocket without negotiating its subprotocol.
    ///
    /// When `negotiated` is not `subprotocol`'s name the connection closes at once: 4406
    /// "Subprotocol not acceptable" on `graphql-transport-ws`, 1002 on `graphql-ws`.
    ///
    /// - Parameters:
    ///   - subprotocol: The protocol the connection is made to speak.
    ///   - negotiated: The subprotocol the WebSocket handshake agreed on, if any.
    ///   - request: The HTTP request that opened the WebSocket, for the connect hook.
    ///   - clock: The clock for keep-alive and the init timeout.
    ///   - taskExecutor: The executor the connection's tasks prefer; `nil` for the global one.
    public func makeConnection(
        speaking subprotocol: WebSocketSubprotocol,
        negotiated: String?,
        request: UpgradeRequest = UpgradeRequest(),
        clock: any Clock<Duration> = ContinuousClock(),
        taskExecutor: (any TaskExecutor)? = nil
    ) -> ServerConnection<Executor> {
        var request = request
        request.trustsProxy = upgradePolicy.origins.trustsForwardedHost
        return ServerConnection(
            server: self,
            subprotocol: subprotocol,
            mismatch: negotiated != subprotocol.name,
            request: request,
            clock: clock,
            taskExecutor: taskExecutor
        )
    }
}

extension GraphQLWebSocketServer where Executor.Context == JSONObject {
    /// Creates a server that accepts every connection, with the `connection_init` payload as context.
    public init(
        executor: Executor,
        graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
        graphQLTransportWS: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
        subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
        observer: (any GraphQLWebSocketObserver)? = nil,
        upgrade: UpgradePolicy = UpgradePolicy()
    ) {
        self.init(
            executor: executor,
            hooks: ServerHooks(),
            graphQLWS: graphQLWS,
            graphQLTransportWS: graphQLTransportWS,
            subprotocols: subprotocols,
            observer: observer,
            upgrade: upgrade
        )
    }
}
