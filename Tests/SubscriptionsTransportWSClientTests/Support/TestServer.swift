import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSHummingbird
import TestSupport

/// Runs this package's server (Hummingbird adapter, GraphQLSwift executor, example schema) at
/// `ws://127.0.0.1:<port>/graphql` on an ephemeral port, runs `body` with the URL, then stops it.
///
/// - Parameters:
///   - subprotocols: The served subprotocols, most preferred first.
///   - hooks: The server's hooks.
///   - graphQLWS: The `graphql-ws` options.
///   - body: The test, given the server's URL.
@discardableResult
func withTestServer<Value: Sendable>(
    subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
    hooks: ServerHooks<JSONObject> = ServerHooks(),
    graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(connectionInitWaitTimeout: .seconds(60)),
    _ body: @escaping @Sendable (_ url: String) async throws -> Value
) async throws -> Value {
    // A minute for `connection_init` (not the 3 s default): a loaded machine or a sanitizer build
    // must not make a handshake meet the timeout.
    let server = GraphQLWebSocketServer(
        executor: try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make()),
        hooks: hooks,
        graphQLWS: graphQLWS,
        graphQLTransportWS: GraphQLTransportWSServerOptions(connectionInitWaitTimeout: .seconds(60)),
        subprotocols: subprotocols
    )
    let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
    webSocketRouter.ws("/graphql", graphQL: server)
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))
    return try await withHummingbirdApplication(server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: configuration)) {
        port in
        try await withTimeout { try await body("ws://127.0.0.1:\(port)/graphql") }
    }
}

/// A port on 127.0.0.1 where nothing listens: bound by a server that was then stopped.
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
