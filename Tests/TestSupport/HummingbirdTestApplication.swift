import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// Thrown when a test application did not report the port it listens on.
public struct ServerDidNotStart: Error {
    /// Creates the error.
    public init() {}
}

/// Thrown when a test application has not stopped 30 seconds after its graceful shutdown.
public struct ServerDidNotStop: Error {
    /// Creates the error.
    public init() {}
}

/// A logger for test applications: warnings and worse only.
public let testLogger: Logger = {
    var logger = Logger(label: "SubscriptionsTransportWS tests")
    logger.logLevel = .warning
    return logger
}()

/// Runs a Hummingbird application on 127.0.0.1 with an ephemeral port, runs `body` with the port,
/// then stops the application gracefully.
///
/// - Parameters:
///   - server: How the application serves connections (for example a WebSocket upgrade).
///   - body: The test, given the port the application listens on.
/// - Returns: What `body` returned.
/// - Throws: What `body` threw, ``ServerDidNotStart`` or ``ServerDidNotStop``.
public func withHummingbirdApplication<Value: Sendable>(
    server: HTTPServerBuilder,
    _ body: (_ port: Int) async throws -> Value
) async throws -> Value {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: Router(),
        server: server,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { portContinuation.yield(port) }
            portContinuation.finish()
        },
        logger: testLogger
    )
    let services = ServiceGroup(configuration: .init(services: [app], logger: testLogger))
    let running = Task {
        defer { portContinuation.finish() }
        try await services.run()
    }
    var portIterator = ports.makeAsyncIterator()
    guard let port = await portIterator.next() else {
        try await running.value
        throw ServerDidNotStart()
    }
    let value: Value
    do {
        value = try await body(port)
    } catch {
        try? await stop(services, running)
        throw error
    }
    try await stop(services, running)
    return value
}

/// Shuts `services` down gracefully and waits for `running` to end: at most 30 seconds, after
/// which the test fails with ``ServerDidNotStop`` rather than hanging the run.
private func stop(_ services: ServiceGroup, _ running: Task<Void, any Error>) async throws {
    await services.triggerGracefulShutdown()
    do {
        try await withTimeout(.seconds(30)) { try await running.value }
    } catch is TimedOut {
        running.cancel()
        throw ServerDidNotStop()
    }
}
