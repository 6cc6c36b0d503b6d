/// A `graphql-ws` (Apollo `subscriptions-transport-ws`) server: the executor, hooks and options that
/// every connection shares.
///
/// Create one server, then one ``GraphQLWSServerConnection`` per accepted WebSocket with
/// ``makeConnection(clock:)``.
public struct GraphQLWSServer<Executor: GraphQLExecutor>: Sendable {
    /// Runs the operations.
    public let executor: Executor
    /// The application's callbacks.
    public let hooks: GraphQLWSServerHooks<Executor.Context>
    /// Limits and protocol choices.
    public let options: GraphQLWSServerOptions

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - executor: Runs each operation.
    ///   - hooks: Decide about connections and observe operations.
    ///   - options: Limits and protocol choices; the defaults are the specification's.
    public init(
        executor: Executor,
        hooks: GraphQLWSServerHooks<Executor.Context>,
        options: GraphQLWSServerOptions = GraphQLWSServerOptions()
    ) {
        self.executor = executor
        self.hooks = hooks
        self.options = options
    }

    /// Creates the protocol side of one accepted WebSocket.
    ///
    /// - Parameter clock: The clock for keep-alive and the init timeout; tests pass a manual clock.
    /// - Returns: A connection to feed frames to and to run.
    public func makeConnection(clock: any Clock<Duration> = ContinuousClock()) -> GraphQLWSServerConnection<Executor> {
        GraphQLWSServerConnection(server: self, clock: clock)
    }
}

extension GraphQLWSServer where Executor.Context == JSONObject {
    /// Creates a server that accepts every connection, with the `connection_init` payload as context.
    public init(executor: Executor, options: GraphQLWSServerOptions = GraphQLWSServerOptions()) {
        self.init(executor: executor, hooks: GraphQLWSServerHooks(), options: options)
    }
}
