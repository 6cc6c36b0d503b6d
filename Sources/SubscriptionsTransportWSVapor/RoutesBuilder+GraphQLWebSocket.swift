import SubscriptionsTransportWS
import Vapor

extension RoutesBuilder {
    /// Adds a GraphQL over WebSocket route served by `server`, for both `graphql-transport-ws` and
    /// `graphql-ws` (Apollo's `subscriptions-transport-ws` protocol) by default.
    ///
    /// The upgrade is accepted when the client offers a served subprotocol in a
    /// `Sec-WebSocket-Protocol` header, and answered with the server's preferred one; otherwise it is
    /// refused with `400 Bad Request`. Each accepted socket is one connection of `server`, and frames
    /// up to the server's largest message are admitted.
    ///
    /// ```swift
    /// let app = try await Application.make(.detect())
    /// let server = GraphQLWebSocketServer(executor: try GraphQLSwiftExecutor<JSONObject>(schema: schema))
    /// app.webSocket("graphql", graphQL: server)
    /// try await app.execute()
    /// try await app.asyncShutdown()
    /// ```
    ///
    /// To close the connections when the application shuts down, create a ``GraphQLWebSocketEndpoint``
    /// and register it with `app.lifecycle.use(_:)`.
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - server: The server that runs each connection.
    /// - Returns: The route.
    @discardableResult
    public func webSocket<Executor: GraphQLExecutor>(_ path: PathComponent..., graphQL server: GraphQLWebSocketServer<Executor>) -> Route {
        webSocket(path, graphQL: GraphQLWebSocketEndpoint(server: server))
    }

    /// Adds a GraphQL over WebSocket route served by `server`, at a path given as an array.
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - server: The server that runs each connection.
    /// - Returns: The route.
    @discardableResult
    public func webSocket<Executor: GraphQLExecutor>(_ path: [PathComponent], graphQL server: GraphQLWebSocketServer<Executor>) -> Route {
        webSocket(path, graphQL: GraphQLWebSocketEndpoint(server: server))
    }

    /// Adds a GraphQL over WebSocket route served by an endpoint.
    ///
    /// The upgrade is accepted with the subprotocol the endpoint negotiates and refused with
    /// `400 Bad Request` when the client offers none that it serves.
    ///
    /// ```swift
    /// let endpoint = GraphQLWebSocketEndpoint(server: server)
    /// app.webSocket("graphql", graphQL: endpoint)
    /// // At shutdown, close the connections (1001) before the server stops.
    /// app.lifecycle.use(endpoint)
    /// ```
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - endpoint: Negotiates the subprotocol and serves each accepted socket.
    /// - Returns: The route.
    @discardableResult
    public func webSocket(_ path: PathComponent..., graphQL endpoint: GraphQLWebSocketEndpoint) -> Route {
        webSocket(path, graphQL: endpoint)
    }

    /// Adds a GraphQL over WebSocket route served by an endpoint, at a path given as an array.
    ///
    /// - Parameters:
    ///   - path: The route's path.
    ///   - endpoint: Negotiates the subprotocol and serves each accepted socket.
    /// - Returns: The route.
    @discardableResult
    public func webSocket(_ path: [PathComponent], graphQL endpoint: GraphQLWebSocketEndpoint) -> Route {
        on(.GET, path) { request throws -> Response in try endpoint.upgrade(request) }
    }
}
