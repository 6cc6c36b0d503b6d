import ServiceLifecycle
import SubscriptionsTransportWS

/// A service that, when the application shuts down gracefully, closes every connection of a server
/// with 1001 "Going away" and waits until they have ended.
///
/// Hummingbird alone ends open WebSockets with 1000 on shutdown, which tells clients the session is
/// over; 1001 tells them to reconnect (to another instance). Put this service after the application
/// in the service group: services shut down in reverse order, so the sockets are closed before the
/// HTTP server stops. The group's `maximumGracefulShutdownDuration` bounds the wait.
///
/// ```swift
/// var configuration = ServiceGroupConfiguration(
///     services: [app, GraphQLWebSocketShutdown(server: server)],
///     gracefulShutdownSignals: [.sigterm, .sigint],
///     logger: logger
/// )
/// configuration.maximumGracefulShutdownDuration = .seconds(10)
/// try await ServiceGroup(configuration: configuration).run()
/// ```
public struct GraphQLWebSocketShutdown<Executor: GraphQLExecutor>: Service, CustomStringConvertible {
    /// The server whose connections are closed.
    public let server: GraphQLWebSocketServer<Executor>

    /// The service's name in service-lifecycle logs, instead of the whole server's description.
    public var description: String { "GraphQLWebSocketShutdown" }

    /// Creates the service.
    ///
    /// - Parameter server: The server whose connections are closed on shutdown.
    public init(server: GraphQLWebSocketServer<Executor>) {
        self.server = server
    }

    /// Waits for the graceful shutdown, then closes every connection and waits until all have ended.
    public func run() async throws {
        try? await gracefulShutdown()
        await server.closeAllConnections()
    }
}
