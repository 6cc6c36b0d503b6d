import Foundation
import Logging
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL

/// A server framework the package adapts: the shared end-to-end suites take one as their argument,
/// so every case is written once and runs over a real socket against each framework.
enum Adapter: CaseIterable, Sendable {
    /// Hummingbird's router with hummingbird-websocket (`router.ws(_:graphQL:)`).
    case hummingbird
    /// Hummingbird with the SwiftNIO channel (`HTTPServerBuilder.http1GraphQLWebSocket`), which the
    /// demo server uses.
    case hummingbirdNIO
    case vapor

    /// Whether close frames carry their reason (websocket-kit's `close(code:)` cannot send one).
    var sendsCloseReasons: Bool { self != .vapor }

    /// The status a refused upgrade gets through this adapter: the server's (403, 400, 503), except
    /// through hummingbird-websocket's router, which answers every refused upgrade with 400.
    func refusalStatus(_ status: Int) -> Int {
        self == .hummingbird ? 400 : status
    }

    /// Runs a server of this adapter for the example schema at `/graphql` on 127.0.0.1 with an
    /// ephemeral port, runs `body` with its URL, then stops the server.
    ///
    /// - Parameters:
    ///   - graphQLWS: The `graphql-ws` options.
    ///   - graphQLTransportWS: The `graphql-transport-ws` options.
    ///   - subprotocols: The served subprotocols, most preferred first.
    ///   - hooks: The server's hooks.
    ///   - upgrade: The `Origin` check and the connection limit.
    ///   - body: The test, given the WebSocket URL of `/graphql`.
    @discardableResult
    func withTestServer<Value: Sendable>(
        graphQLWS: GraphQLWSServerOptions = .forTests(),
        graphQLTransportWS: GraphQLTransportWSServerOptions = .forTests(),
        subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
        hooks: ServerHooks<JSONObject> = ServerHooks(),
        upgrade: UpgradePolicy = UpgradePolicy(),
        _ body: @Sendable (_ url: URL) async throws -> Value
    ) async throws -> Value {
        let server = try makeGraphQLServer(
            graphQLWS: graphQLWS,
            graphQLTransportWS: graphQLTransportWS,
            subprotocols: subprotocols,
            hooks: hooks,
            upgrade: upgrade
        )
        switch self {
        case .hummingbird: return try await withHummingbirdServer(server, body)
        case .hummingbirdNIO: return try await withHummingbirdNIOServer(server, body)
        case .vapor: return try await withVaporServer(server, body)
        }
    }

    /// This adapter's endpoint for the example schema, for the negotiation cases that need no socket.
    ///
    /// - Parameter subprotocols: The served subprotocols, most preferred first.
    func endpoint(serving subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS]) throws -> any NegotiatingEndpoint {
        let server = try makeGraphQLServer(subprotocols: subprotocols)
        switch self {
        case .hummingbird: return hummingbirdEndpoint(server)
        case .hummingbirdNIO: return nioEndpoint(server)
        case .vapor: return vaporEndpoint(server)
        }
    }
}

/// An adapter's `GraphQLWebSocketEndpoint` seen through plain header values: the two adapters take
/// their frameworks' own header types, and this lets the negotiation cases be written once.
protocol NegotiatingEndpoint: Sendable {
    /// The served subprotocols, most preferred first.
    var subprotocols: [WebSocketSubprotocol] { get }
    /// The subprotocol chosen for a request with one `headerName` field for each of `offers`.
    func negotiate(offers: [String], headerName: String) -> WebSocketSubprotocol?
    /// The `Sec-WebSocket-Protocol` values an upgrade offering `offers` is answered with; `nil` when
    /// the upgrade is refused.
    func upgradeSubprotocols(offers: [String]) -> [String]?
}

extension NegotiatingEndpoint {
    /// The subprotocol chosen for a request with one `Sec-WebSocket-Protocol` field for each of `offers`.
    func negotiate(offers: [String]) -> WebSocketSubprotocol? {
        negotiate(offers: offers, headerName: "Sec-WebSocket-Protocol")
    }
}

/// The GraphQL server every test application serves, whichever the adapter.
typealias TestGraphQLServer = GraphQLWebSocketServer<GraphQLSwiftExecutor<JSONObject>>

/// A server for the example schema, so both adapters are handed the same one.
///
/// - Parameters:
///   - graphQLWS: The `graphql-ws` options.
///   - graphQLTransportWS: The `graphql-transport-ws` options.
///   - subprotocols: The served subprotocols, most preferred first.
///   - hooks: The server's hooks.
///   - upgrade: The `Origin` check and the connection limit.
func makeGraphQLServer(
    graphQLWS: GraphQLWSServerOptions = .forTests(),
    graphQLTransportWS: GraphQLTransportWSServerOptions = .forTests(),
    subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
    hooks: ServerHooks<JSONObject> = ServerHooks(),
    upgrade: UpgradePolicy = UpgradePolicy()
) throws -> TestGraphQLServer {
    GraphQLWebSocketServer(
        executor: try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make()),
        hooks: hooks,
        graphQLWS: graphQLWS,
        graphQLTransportWS: graphQLTransportWS,
        subprotocols: subprotocols,
        upgrade: upgrade
    )
}

/// The WebSocket URL of a test application's `/graphql` on 127.0.0.1, the only address tests bind.
func graphQLURL(port: Int) -> URL {
    URL(string: "ws://127.0.0.1:\(port)/graphql")!
}
