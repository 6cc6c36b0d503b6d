import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import SubscriptionsTransportWSHummingbird

struct ServerDidNotStart: Error {}
struct ServerDidNotStop: Error {}

let testLogger: Logger = {
    var logger = Logger(label: "SubscriptionsTransportWSClientTests")
    logger.logLevel = .warning
    return logger
}()

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
    graphQLWS: GraphQLWSServerOptions = GraphQLWSServerOptions(),
    _ body: @escaping @Sendable (_ url: String) async throws -> Value
) async throws -> Value {
    let server = GraphQLWebSocketServer(
        executor: try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make()),
        hooks: hooks,
        graphQLWS: graphQLWS,
        subprotocols: subprotocols
    )
    let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
    webSocketRouter.ws("/graphql", graphQL: server)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: Router(),
        server: .http1WebSocketUpgrade(
            webSocketRouter: webSocketRouter,
            configuration: .init(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))
        ),
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
            value = try await withTimeout { try await body("ws://127.0.0.1:\(port)/graphql") }
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
        await services.triggerGracefulShutdown()
        // A server that does not stop fails the test rather than hanging the run.
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

/// Runs `body`, failing with ``TimedOut`` if it has not finished within `limit`: a watchdog for a
/// hung test, far above any expected duration.
func withTimeout<Value: Sendable>(
    _ limit: Duration = .seconds(60),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next(), let value else { throw TimedOut(limit: limit) }
        return value
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
