import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import NIOSSL
import OTel
import Prometheus
import ServiceLifecycle
import SubscriptionsPubSub
import SubscriptionsPubSubPostgres
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSHummingbird
import SubscriptionsTransportWSObservability
import SubscriptionsTransportWSTracing
import Tracing

/// The demo server: the example schema over `graphql-transport-ws` and `graphql-ws` at
/// `ws://HOST:PORT/graphql`, a playground at `/` and Prometheus metrics at `/metrics`.
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

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL URL (postgres://user:password@host:port/database): the chat's pub/sub engine, shared by every server on that database. Also read from SUBSCRIPTIONS_SERVER_POSTGRES_URL. Without it, events stay in this process.",
            valueName: "url"
        )
    )
    var postgres: String?

    @Option(
        help: "Seconds a shutdown (SIGTERM, SIGINT) may take: sockets are closed with 1001 at once, and whatever still runs after this is cancelled."
    )
    var shutdownGracePeriod: Double = 10

    @Option(
        name: .customLong("allowed-origin"),
        help: ArgumentHelp(
            "A web origin (scheme://host[:port]) whose pages may open a socket, besides this server's own host and port; repeat for more. Upgrades from other origins are refused with 403 (cross-site WebSocket hijacking); clients that send no Origin are always allowed.",
            valueName: "origin"
        )
    )
    var allowedOrigins: [String] = []

    @Flag(help: "Let pages of any origin open a socket (no Origin check). Only for endpoints without cookies or other ambient credentials.")
    var allowAnyOrigin = false

    @Flag(
        help:
            "Trust the reverse proxy in front: take the request's own host from Forwarded: host= or X-Forwarded-Host (for the Origin check) and the client's address from the last Forwarded: for= or X-Forwarded-For entry. Only behind one proxy you control that sets them."
    )
    var trustForwardedHost = false

    @Flag(
        help:
            "Send \"Internal server error\" instead of the message of an error a hook or the executor throws (connection_error and error on graphql-ws, the 4500 close reason on graphql-transport-ws). For production."
    )
    var hideInternalErrors = false

    @Option(help: "The most WebSocket connections held at once; upgrades past it are refused with 503.")
    var maxConnections = UpgradePolicy().maxConnections

    @Option(help: "The log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "A PEM file with the server's certificate chain (its certificate first): with --tls-key, serve https:// and wss:// on the port instead of http:// and ws://.",
            valueName: "file"
        )
    )
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("A PEM file with the private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Option(
        name: .customLong("persisted-queries"),
        help: ArgumentHelp(
            "Run only the documents of this Apollo persisted query manifest (JSON: {\"operations\": [{\"body\": …}]}), named by extensions.persistedQuery.sha256Hash or sent whole; others get PersistedQueryNotFound or PersistedQueryNotInList.",
            valueName: "file"
        )
    )
    var persistedQueries: String?

    @Option(
        name: .customLong("otlp-endpoint"),
        help: ArgumentHelp(
            "Export a span per connection and per operation over OTLP/HTTP to this URL (http://collector:4318; /v1/traces is added when the URL has no path). A W3C traceparent in the init payload or the upgrade request continues the caller's trace.",
            valueName: "url"
        )
    )
    var otlpEndpoint: String?

    @Option(
        name: .customLong("auth-secret"),
        help: ArgumentHelp(
            "Require a JSON Web Token signed with this secret (at least 32 bytes; HS256, with exp) on every connection, in the Authorization: Bearer header or in the init payload (authorization or token). Also read from SUBSCRIPTIONS_SERVER_AUTH_SECRET. Refused: close 4403 (graphql-transport-ws), connection_error (graphql-ws).",
            valueName: "secret"
        )
    )
    var authSecret: String?

    @Option(
        help: ArgumentHelp(
            "Event loop threads (one per core serves sockets best). By default the cores this process may run on: its CPU affinity (taskset, cpuset) and cgroup CPU quota. Also read from NIO_SINGLETON_GROUP_LOOP_COUNT.",
            valueName: "count"
        )
    )
    var eventLoops: Int?

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let eventLoops, eventLoops < 1 {
            throw ValidationError("--event-loops must be at least 1")
        }
        if let authSecret, authSecret.utf8.count < 32 {
            // HS256 keys shorter than the hash are weak (RFC 7518 §3.2).
            throw ValidationError("--auth-secret must be at least 32 bytes")
        }
    }

    /// How many cores the process may run on (its CPU affinity, `Cpus_allowed` in
    /// `/proc/self/status`), where the system says.
    static var coresInAffinityMask: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
            count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return count > 0 ? count : nil
    }

    /// The TLS settings of `--tls-cert` and `--tls-key`, or `nil` to serve plain HTTP.
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard let tlsCertificate, let tlsKey else { return nil }
        let chain = try NIOSSLCertificate.fromPEMFile(tlsCertificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }

    func run() async throws {
        // Before anything uses NIO's shared event loops. More loops than cores only take turns on
        // them: on a server pinned to one core, a second loop doubled the thread switches per
        // connection (NIO counts cgroup quotas and cpusets, not the affinity mask).
        if let eventLoops {
            NIOSingletons.groupLoopCountSuggestion = eventLoops
        } else if ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = min(System.coreCount, Self.coresInAffinityMask ?? .max)
        }
        var logger = Logger(label: "subscriptions-server")
        logger.logLevel = logLevel
        // Bootstrapped before anything makes a metric, so every metric reaches the registry.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        var services: [any Service] = []
        let pubSub: any PubSub
        if let url = postgres ?? ProcessInfo.processInfo.environment["SUBSCRIPTIONS_SERVER_POSTGRES_URL"] {
            let engine = try PostgresPubSub(url: url, logger: logger)
            // Started before the application and, services stopping in reverse order, stopped after it.
            services.append(engine)
            pubSub = engine
            logger.info("Chat events go through PostgreSQL")
        } else {
            pubSub = InMemoryPubSub()
        }
        // A channel's messages are a live pub/sub topic and read nothing from the connection's
        // context: every subscriber of a channel shares one execution per message.
        let executor = try GraphQLSwiftExecutor<JSONObject>(
            schema: ChatSchema.make(pubSub: pubSub),
            subscriptionSharing: .sharing(fields: ["messages"], contextKey: { _ in "everyone" })
        )
        // The defaults are the specification's: both protocols, graphql-transport-ws preferred, `ka`
        // every 12 s on graphql-ws, 1 MiB messages, 100 live operations per connection.
        var origins = OriginPolicy(allowedOrigins: allowedOrigins, trustsForwardedHost: trustForwardedHost)
        origins.allowsAnyOrigin = allowAnyOrigin
        var observer: any GraphQLWebSocketObserver = LoggingMetricsObserver(logger: logger)
        if let otlpEndpoint {
            services.append(try Self.bootstrapTraceExport(to: otlpEndpoint))
            observer = ObserverGroup([observer, Self.tracingObserver(InstrumentationSystem.tracer)])
            logger.info("Spans go to \(otlpEndpoint) over OTLP/HTTP")
        }

        // A connection's context is its init payload with the client's address (and, with
        // --auth-secret, the token's subject): the `connection` query shows them.
        var authentication: TokenAuthentication?
        if let secret = authSecret ?? ProcessInfo.processInfo.environment["SUBSCRIPTIONS_SERVER_AUTH_SECRET"] {
            authentication = await TokenAuthentication(secret: secret)
            logger.info("Connections need a token signed with the auth secret")
        }
        var hooks = ServerHooks<JSONObject>(
            onConnect: { [authentication] payload, request in
                var decision = await authentication?.decide(payload, request) ?? .accept(payload)
                if case .accept(var context, let acknowledgement) = decision {
                    context["clientAddress"] = request.clientAddress.map { .string($0) } ?? .null
                    decision = .accept(context, acknowledgementPayload: acknowledgement)
                }
                return decision
            },
            contextWithoutInit: { [:] }
        )
        if let persistedQueries {
            let documents = try Self.persistedDocuments(manifest: persistedQueries)
            hooks.onOperation = { _, request, _ in try documents.resolve(request) }
            logger.info("Only the \(documents.documentsByHash.count) documents of \(persistedQueries) run")
        }
        let server = GraphQLWebSocketServer(
            executor: executor,
            hooks: hooks,
            graphQLWS: GraphQLWSServerOptions(exposesInternalErrorMessages: !hideInternalErrors),
            graphQLTransportWS: GraphQLTransportWSServerOptions(exposesInternalErrorMessages: !hideInternalErrors),
            observer: observer,
            upgrade: UpgradePolicy(origins: origins, maxConnections: maxConnections)
        )

        let router = Router()
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: PlaygroundPage.html))
            )
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer()))
            )
        }

        // With --tls-cert and --tls-key the same channel runs inside TLS: https:// and wss://.
        let tls = try tlsConfiguration()
        let plain = HTTPServerBuilder.http1GraphQLWebSocket(server: server, path: "/graphql")
        let webSocketServer = try tls.map { try HTTPServerBuilder.tls(plain, tlsConfiguration: $0) } ?? plain
        let (webScheme, socketScheme) = tls == nil ? ("http", "ws") : ("https", "wss")
        let app = Application(
            router: router,
            // GraphQL over WebSocket on SwiftNIO directly (batched writes, tasks on the socket's event
            // loop); every other request goes to the router.
            server: webSocketServer,
            // A backlog for bursts of new connections (reconnect storms), as large as Linux allows by
            // default: with Hummingbird's 256, a burst of 1,000 connections costs dropped SYNs and
            // one-second retries.
            configuration: .init(address: .hostname(host, port: port), serverName: "subscriptions-server", backlog: 4096),
            onServerRunning: { [logger] channel in
                // The bound port, which differs from `--port` when that is 0, is what clients need.
                let port = channel.localAddress?.port ?? port
                logger.info(
                    "Listening on \(socketScheme)://\(host):\(port)/graphql (playground at \(webScheme)://\(host):\(port)/, metrics at /metrics)"
                )
            },
            logger: logger
        )
        // SIGINT and SIGTERM start a graceful shutdown: no new connections, every WebSocket is
        // closed with 1001, and after the grace period whatever is left is cancelled.
        var serviceGroup = ServiceGroupConfiguration(
            services: services + [app, GraphQLWebSocketShutdown(server: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        serviceGroup.maximumGracefulShutdownDuration = .milliseconds(Int64(shutdownGracePeriod * 1000))
        try await ServiceGroup(configuration: serviceGroup).run()
    }
}

extension SubscriptionsServer {
    /// The documents of an Apollo persisted query manifest (`{"operations": [{"body": "…"}]}`, as
    /// `generate-persisted-query-manifest` writes it).
    static func persistedDocuments(manifest path: String) throws -> PersistedDocuments {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard case .object(let manifest) = try JSONValue.parse(Array(data)), case .array(let operations)? = manifest["operations"]
        else { throw ValidationError("\(path) is not a persisted query manifest: no \"operations\" list") }
        let bodies = operations.compactMap { operation -> String? in
            guard case .object(let fields) = operation, case .string(let body)? = fields["body"] else { return nil }
            return body
        }
        return PersistedDocuments(documents: bodies)
    }

    /// A tracing observer on the bootstrapped tracer, whatever its type.
    static func tracingObserver<T: Tracer>(_ tracer: T) -> any GraphQLWebSocketObserver {
        TracingObserver(tracer: tracer)
    }

    /// Bootstraps swift-otel to export spans over OTLP/HTTP (no metrics or logs: those stay
    /// Prometheus's and the console's).
    ///
    /// - Returns: The exporter's service, to run beside the server.
    static func bootstrapTraceExport(to endpoint: String) throws -> some Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "subscriptions-server"
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        let hasPath = endpoint.split(separator: "/", omittingEmptySubsequences: true).count > 2
        configuration.traces.otlpExporter.endpoint = hasPath ? endpoint : endpoint.trimmingSuffix("/") + "/v1/traces"
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        return try OTel.bootstrap(configuration: configuration)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
