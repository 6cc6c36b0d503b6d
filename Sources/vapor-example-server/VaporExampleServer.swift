import ArgumentParser
import Logging
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSObservability
import SubscriptionsTransportWSVapor
import Vapor

/// The example schema served by Vapor over `graphql-transport-ws` and `graphql-ws` at
/// `ws://HOST:PORT/graphql`: the Vapor counterpart of `subscriptions-server`, for interop tests.
@main
struct VaporExampleServer: AsyncParsableCommand {
    static let configuration = ArgumentParser.CommandConfiguration(
        commandName: "vapor-example-server",
        abstract: """
            Serves the example GraphQL schema with Vapor over WebSocket (graphql-transport-ws and \
            graphql-ws) at ws://HOST:PORT/graphql.
            """
    )

    @ArgumentParser.Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @ArgumentParser.Option(help: "The port to listen on; 0 picks a free port.")
    var port = 8080

    @ArgumentParser.Option(help: "The log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        // Vapor's own command line is not used: this command's options configure the server, and
        // Vapor's `serve` command only runs it (and stops it on SIGINT and SIGTERM).
        let app = try await Application.make(Environment(name: "production", arguments: ["vapor-example-server", "serve"]))
        app.logger.logLevel = logLevel
        app.http.server.configuration.hostname = host
        app.http.server.configuration.port = port
        // As the demo server: a burst of new connections is not answered with dropped SYNs.
        app.http.server.configuration.backlog = 4096

        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
        let server = GraphQLWebSocketServer(executor: executor, observer: LoggingMetricsObserver(logger: app.logger))
        let endpoint = GraphQLWebSocketEndpoint(server: server)
        app.webSocket("graphql", graphQL: endpoint)
        app.lifecycle.use(endpoint)

        do {
            try await app.startup()
            // The bound port, which differs from `--port` when that is 0, is what clients need.
            let boundPort = app.http.server.shared.localAddress?.port ?? port
            app.logger.info("listening on ws://\(host):\(boundPort)/graphql")
            try await app.running?.onStop.get()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
