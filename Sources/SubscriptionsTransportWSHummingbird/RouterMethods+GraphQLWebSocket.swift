import Hummingbird
import HummingbirdWebSocket
import SubscriptionsTransportWS

extension RouterMethods where Context: WebSocketRequestContext {
    /// Adds a GraphQL over WebSocket route served by `server`, for both `graphql-transport-ws` and
    /// `graphql-ws` (Apollo's `subscriptions-transport-ws` protocol) by default.
    ///
    /// The upgrade is accepted when the client offers a served subprotocol in a
    /// `Sec-WebSocket-Protocol` header, and answered with the server's preferred one; otherwise it is
    /// refused with `400 Bad Request`. Each accepted socket is one connection of `server`.
    ///
    /// Add the route to the router that the application's WebSocket upgrade uses, and configure that
    /// upgrade to admit the server's largest message:
    ///
    /// ```swift
    /// let server = GraphQLWebSocketServer(executor: try GraphQLSwiftExecutor<JSONObject>(schema: schema))
    /// let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
    /// webSocketRouter.ws("/graphql", graphQL: server)
    /// let app = Application(
    ///     router: Router(),
    ///     server: .http1WebSocketUpgrade(
    ///         webSocketRouter: webSocketRouter,
    ///         configuration: .init(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))
    ///     ),
    ///     configuration: .init(address: .hostname("127.0.0.1", port: 8080))
    /// )
    /// try await app.runService()
    /// ```
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - server: The server that runs each connection.
    /// - Returns: The router, to add more routes.
    @discardableResult
    public func ws<Executor: GraphQLExecutor>(_ path: RouterPath = "", graphQL server: GraphQLWebSocketServer<Executor>) -> Self {
        ws(path, graphQL: GraphQLWebSocketEndpoint(server: server))
    }

    /// Adds a GraphQL over WebSocket route served by an endpoint.
    ///
    /// The upgrade is accepted with the subprotocol the endpoint negotiates, and refused with the
    /// server's reason: `403 Forbidden` for an `Origin` that is not allowed, `400 Bad Request` when
    /// the client offers no served subprotocol, `503 Service Unavailable` past the connection limit.
    ///
    /// The connect hook sees the upgrade request's headers, and the client's address when the
    /// router's context conforms to Hummingbird's `RemoteAddressRequestContext`
    /// (`BasicWebSocketRequestContext` does not).
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - endpoint: Negotiates the subprotocol and serves each accepted socket.
    /// - Returns: The router, to add more routes.
    @discardableResult
    public func ws(_ path: RouterPath = "", graphQL endpoint: GraphQLWebSocketEndpoint) -> Self {
        ws(
            path,
            shouldUpgrade: { request, context in
                do {
                    return try endpoint.shouldUpgrade(request.head)
                } catch {
                    context.logger.debug("GraphQL WebSocket upgrade refused", metadata: ["graphql_ws.refusal": "\(error)"])
                    throw error
                }
            },
            onUpgrade: { inbound, outbound, context in
                try await endpoint.serve(
                    requestHeaders: context.request.headers,
                    remoteAddress: (context.requestContext as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress,
                    inbound: inbound,
                    outbound: outbound,
                    logger: context.logger
                )
            }
        )
    }
}
