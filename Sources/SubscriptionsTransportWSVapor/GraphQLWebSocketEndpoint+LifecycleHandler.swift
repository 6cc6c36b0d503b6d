import Vapor

/// Register an endpoint with `app.lifecycle.use(endpoint)` to close its connections when the
/// application shuts down with `asyncShutdown()`.
///
/// Vapor keeps upgraded sockets open through its own shutdown: its server waits for them to close
/// until its shutdown timeout, and with the shared event loop group (the default of
/// `Application.make`) they even outlive the application. Lifecycle handlers run before the server
/// stops, so each connection can still cancel its operations, run its hooks and send its close frame
/// (1001, going away).
extension GraphQLWebSocketEndpoint: LifecycleHandler {
    /// Closes every connection with 1001 (going away) and waits for them, bounded by
    /// ``closeTimeout``; see ``shutDown(code:reason:)``.
    ///
    /// - Parameter application: The application that shuts down.
    public func shutdownAsync(_ application: Application) async {
        await shutDown()
    }
}
