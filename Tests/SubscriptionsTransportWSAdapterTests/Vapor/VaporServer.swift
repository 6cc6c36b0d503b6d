import Foundation
import SubscriptionsTransportWS
import SubscriptionsTransportWSVapor
import TestSupport
import Vapor

/// How a Vapor test application's route is made.
enum VaporSetup: Sendable {
    /// `webSocket(_:graphQL:)` with an endpoint.
    case route
    /// A `GET` route of the test's own that answers with `endpoint.upgrade(_:)` after a check.
    case customRoute
}

/// A running Vapor application serving the example schema at `/graphql` on 127.0.0.1 with an
/// ephemeral port; kept as a value for the test that shuts the application down itself.
struct VaporTestServer: Sendable {
    let app: Application
    /// The WebSocket URL of `/graphql`.
    let url: URL

    /// Starts an application serving `server`.
    ///
    /// - Parameters:
    ///   - server: The GraphQL server.
    ///   - setup: How the route is made.
    static func start(_ server: TestGraphQLServer, setup: VaporSetup = .route) async throws -> VaporTestServer {
        // No WebSocket pings: websocket-kit pings as the socket opens and closes it (with 1000) if no
        // pong came 30 s later. The raw-socket tests' clients answer no pings, and under the
        // sanitizers on a loaded machine a test may outlast that and read websocket-kit's close
        // instead of the one it tests.
        let endpoint = GraphQLWebSocketEndpoint(server: server, pingInterval: nil)
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
            return VaporTestServer(app: app, url: graphQLURL(port: port))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// Runs a Vapor application serving `server` (see ``VaporTestServer/start(_:setup:)``), runs
/// `body` with its URL, then shuts the application down.
///
/// - Parameters:
///   - server: The GraphQL server.
///   - setup: How the route is made.
///   - body: The test, given the WebSocket URL of `/graphql`.
func withVaporServer<Value: Sendable>(
    _ server: TestGraphQLServer,
    setup: VaporSetup = .route,
    _ body: @Sendable (_ url: URL) async throws -> Value
) async throws -> Value {
    let running = try await VaporTestServer.start(server, setup: setup)
    let value: Value
    do {
        value = try await body(running.url)
    } catch {
        try? await running.shutdown()
        throw error
    }
    try await running.shutdown()
    return value
}

extension VaporTestServer {
    /// Shuts the application down: at most 30 seconds, after which the test fails with
    /// ``ServerDidNotStop`` rather than hanging the run (Vapor waits for every connection).
    func shutdown() async throws {
        do {
            try await withTimeout(.seconds(30)) { [app] in try await app.asyncShutdown() }
        } catch is TimedOut {
            throw ServerDidNotStop()
        }
    }
}

/// The Vapor endpoint for `server`, for the shared negotiation cases.
func vaporEndpoint(_ server: TestGraphQLServer) -> any NegotiatingEndpoint {
    GraphQLWebSocketEndpoint(server: server)
}

extension GraphQLWebSocketEndpoint: NegotiatingEndpoint {
    /// See ``NegotiatingEndpoint/negotiate(offers:headerName:)``.
    func negotiate(offers: [String], headerName: String) -> WebSocketSubprotocol? {
        negotiate(HTTPHeaders(offers.map { (headerName, $0) }))
    }

    /// See ``NegotiatingEndpoint/upgradeSubprotocols(offers:)``.
    func upgradeSubprotocols(offers: [String]) -> [String]? {
        shouldUpgrade(HTTPHeaders(offers.map { ("Sec-WebSocket-Protocol", $0) }))?["Sec-WebSocket-Protocol"]
    }
}
