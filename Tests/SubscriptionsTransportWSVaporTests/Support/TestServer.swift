import Logging
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSVapor
import Vapor

/// How the test application's route is made.
enum TestServerSetup: Sendable {
    /// `webSocket(_:graphQL:)` with an endpoint.
    case route
    /// A `GET` route of the test's own that answers with `endpoint.upgrade(_:)` after a check.
    case customRoute
}

struct ServerDidNotStart: Error {}

let testLogger: Logger = {
    var logger = Logger(label: "SubscriptionsTransportWSVaporTests")
    logger.logLevel = .warning
    return logger
}()

/// A Vapor application serving the example schema at `/graphql` on 127.0.0.1 with an ephemeral port.
struct TestServer: Sendable {
    let app: Application
    let endpoint: GraphQLWebSocketEndpoint
    /// The bound port.
    let port: Int

    /// Starts an application.
    ///
    /// - Parameters:
    ///   - graphQLWS: The `graphql-ws` options.
    ///   - graphQLTransportWS: The `graphql-transport-ws` options.
    ///   - subprotocols: The served subprotocols, most preferred first.
    ///   - hooks: The server's hooks.
    ///   - setup: How the route is made.
    static func start(
        graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
        graphQLTransportWS: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
        subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
        hooks: ServerHooks<JSONObject> = ServerHooks(),
        setup: TestServerSetup = .route
    ) async throws -> TestServer {
        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        let server = GraphQLWebSocketServer(
            executor: executor,
            hooks: hooks,
            graphQLWS: graphQLWS,
            graphQLTransportWS: graphQLTransportWS,
            subprotocols: subprotocols
        )
        let endpoint = GraphQLWebSocketEndpoint(server: server)

        let app = try await Application.make(Environment(name: "testing", arguments: ["vapor", "serve"]))
        app.logger = testLogger
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        switch setup {
        case .route:
            app.webSocket("graphql", graphQL: endpoint)
        case .customRoute:
            app.get("graphql") { request -> Response in
                guard request.headers[.authorization].first != "Bearer wrong" else { throw Abort(.unauthorized) }
                return try endpoint.upgrade(request)
            }
        }
        app.lifecycle.use(endpoint)
        do {
            try await app.startup()
            guard let port = app.http.server.shared.localAddress?.port else { throw ServerDidNotStart() }
            return TestServer(app: app, endpoint: endpoint, port: port)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// Runs a test application (see ``TestServer/start(graphQLWS:graphQLTransportWS:subprotocols:hooks:setup:)``),
/// runs `body` with its port, then shuts the application down.
@discardableResult
func withTestServer<Value: Sendable>(
    graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
    graphQLTransportWS: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
    subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
    hooks: ServerHooks<JSONObject> = ServerHooks(),
    setup: TestServerSetup = .route,
    _ body: @Sendable (_ port: Int) async throws -> Value
) async throws -> Value {
    let server = try await TestServer.start(
        graphQLWS: graphQLWS,
        graphQLTransportWS: graphQLTransportWS,
        subprotocols: subprotocols,
        hooks: hooks,
        setup: setup
    )
    let value: Value
    do {
        value = try await body(server.port)
    } catch {
        try? await server.app.asyncShutdown()
        throw error
    }
    try await server.app.asyncShutdown()
    return value
}
