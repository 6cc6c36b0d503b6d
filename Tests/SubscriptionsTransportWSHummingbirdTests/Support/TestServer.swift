import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSHummingbird

/// How the test application is built.
enum TestServerSetup: Sendable {
    /// A router route made with `ws(_:graphQL:)`.
    case router
    /// No router: `http1WebSocketUpgrade(configuration:shouldUpgrade:)` with `endpoint.upgrade(_:)`.
    case upgradeWithoutRouter
}

struct ServerDidNotStart: Error {}
struct ServerDidNotStop: Error {}

let testLogger: Logger = {
    var logger = Logger(label: "SubscriptionsTransportWSHummingbirdTests")
    logger.logLevel = .warning
    return logger
}()

/// Runs a Hummingbird application serving the example schema at `/graphql` on 127.0.0.1 with an
/// ephemeral port, runs `body` with that port, then stops the application.
///
/// - Parameters:
///   - graphQLWS: The `graphql-ws` options.
///   - graphQLTransportWS: The `graphql-transport-ws` options.
///   - subprotocols: The served subprotocols, most preferred first.
///   - hooks: The server's hooks.
///   - setup: How the route is made.
///   - body: The test, given the bound port.
@discardableResult
func withTestServer<Value: Sendable>(
    graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
    graphQLTransportWS: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
    subprotocols: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS],
    hooks: ServerHooks<JSONObject> = ServerHooks(),
    setup: TestServerSetup = .router,
    _ body: @Sendable (_ port: Int) async throws -> Value
) async throws -> Value {
    let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make())
    let server = GraphQLWebSocketServer(
        executor: executor,
        hooks: hooks,
        graphQLWS: graphQLWS,
        graphQLTransportWS: graphQLTransportWS,
        subprotocols: subprotocols
    )
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))

    let serverBuilder: HTTPServerBuilder
    switch setup {
    case .router:
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.ws("/graphql", graphQL: server)
        serverBuilder = .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: configuration)
    case .upgradeWithoutRouter:
        let endpoint = GraphQLWebSocketEndpoint(server: server)
        serverBuilder = .http1WebSocketUpgrade(configuration: configuration) { request, _, _ in
            guard request.path == "/graphql" else { return .dontUpgrade }
            return endpoint.upgrade(request)
        }
    }

    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: Router(),
        server: serverBuilder,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { portContinuation.yield(port) }
            portContinuation.finish()
        },
        logger: testLogger
    )

    let services = ServiceGroup(configuration: .init(services: [app], logger: testLogger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await services.run()
        }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else {
            try await group.waitForAll()
            throw ServerDidNotStart()
        }
        let value: Value
        do {
            value = try await body(port)
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
        // A server that does not stop is a failure too, but not a hung test run.
        await services.triggerGracefulShutdown()
        group.addTask {
            try await Task.sleep(for: .seconds(30))
            throw ServerDidNotStop()
        }
        try await group.next()
        group.cancelAll()
        return value
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "Gave up after \(limit)" }
}

/// Runs `body`, failing with ``TimedOut`` if it has not finished within `limit`.
///
/// The limit is a watchdog for a hung test, far above any expected duration; no assertion depends
/// on how long something takes.
func withTimeout<Value: Sendable>(
    _ limit: Duration = .seconds(60),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: WatchdogOutcome<Value>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await Task.sleep(for: limit)
            return .timedOut
        }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .finished(let value): return value
        case .timedOut, nil: throw TimedOut(limit: limit)
        }
    }
}

/// The first of a watched task and its watchdog to finish.
private enum WatchdogOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case timedOut
}
