import ArgumentParser
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import ServiceLifecycle
import SubscriptionsTransportWSHummingbird

/// The demo server: the example schema over `graphql-transport-ws` and `graphql-ws` at
/// `ws://HOST:PORT/graphql`.
@main
struct SubscriptionsServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions-server",
        abstract: """
            Serves the example GraphQL schema over WebSocket (graphql-transport-ws and graphql-ws) \
            at ws://HOST:PORT/graphql.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free port.")
    var port = 8080

    @Option(help: "Seconds a shutdown (SIGTERM, SIGINT) may take: sockets are closed with 1001 at once, and whatever still runs after this is cancelled.")
    var shutdownGracePeriod: Double = 10

    @Option(help: "The log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var logger = Logger(label: "subscriptions-server")
        logger.logLevel = logLevel

        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        // The defaults are the specification's: both protocols, graphql-transport-ws preferred, `ka`
        // every 12 s on graphql-ws, 1 MiB messages, 100 live operations per connection.
        let server = GraphQLWebSocketServer(executor: executor)

        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.ws("/graphql", graphQL: server)

        let router = Router()
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: PlaygroundPage.html))
            )
        }

        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: webSocketRouter,
                configuration: .init(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))
            ),
            configuration: .init(address: .hostname(host, port: port), serverName: "subscriptions-server"),
            onServerRunning: { [logger] channel in
                // The bound port, which differs from `--port` when that is 0, is what clients need.
                let port = channel.localAddress?.port ?? port
                logger.info("Listening on ws://\(host):\(port)/graphql (playground at http://\(host):\(port)/)")
            },
            logger: logger
        )
        // SIGINT and SIGTERM start a graceful shutdown: no new connections, every WebSocket is
        // closed with 1001, and after the grace period whatever is left is cancelled.
        var serviceGroup = ServiceGroupConfiguration(
            services: [app, GraphQLWebSocketShutdown(server: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        serviceGroup.maximumGracefulShutdownDuration = .milliseconds(Int64(shutdownGracePeriod * 1000))
        try await ServiceGroup(configuration: serviceGroup).run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
