/// Callbacks a `graphql-ws` server makes into the application.
///
/// Each hook is optional except ``onConnect``, which decides whether a client may use the connection
/// and produces the context its operations run with. Hooks run at most once per event: an operation
/// completes once, a connection disconnects once.
public struct GraphQLWSServerHooks<Context: Sendable>: Sendable {
    /// Called for each `connection_init` with its payload (the client's connection parameters, or
    /// an empty object). Throwing rejects the connection with the error's description.
    public var onConnect: @Sendable (_ payload: JSONObject) async throws -> ConnectionDecision<Context>
    /// Called before an operation is executed; may return a changed request. Throwing sends an
    /// `error` for the operation and does not execute it.
    public var onOperation:
        (@Sendable (_ id: OperationID, _ request: OperationRequest, _ context: Context) async throws -> OperationRequest)?
    /// Called once when an operation ends for any reason: completion, error, `stop`, replacement by
    /// a `start` with the same id, or the connection closing.
    public var onOperationComplete: (@Sendable (_ id: OperationID) async -> Void)?
    /// Called once when the connection ends, with the context if the connection was acknowledged.
    public var onDisconnect: (@Sendable (_ context: Context?) async -> Void)?
    /// The context for operations started without `connection_init`, used only when
    /// ``GraphQLWSServerOptions/allowOperationsWithoutInit`` is on. When `nil`, such operations are
    /// refused as if the option were off.
    public var contextWithoutInit: (@Sendable () -> Context)?

    /// Creates hooks.
    public init(
        onConnect: @escaping @Sendable (_ payload: JSONObject) async throws -> ConnectionDecision<Context>,
        onOperation: (@Sendable (OperationID, OperationRequest, Context) async throws -> OperationRequest)? = nil,
        onOperationComplete: (@Sendable (OperationID) async -> Void)? = nil,
        onDisconnect: (@Sendable (Context?) async -> Void)? = nil,
        contextWithoutInit: (@Sendable () -> Context)? = nil
    ) {
        self.onConnect = onConnect
        self.onOperation = onOperation
        self.onOperationComplete = onOperationComplete
        self.onDisconnect = onDisconnect
        self.contextWithoutInit = contextWithoutInit
    }
}

extension GraphQLWSServerHooks where Context == JSONObject {
    /// Hooks that accept every connection; the context is the `connection_init` payload
    /// (an empty object for operations started without init).
    public init(
        onOperation: (@Sendable (OperationID, OperationRequest, Context) async throws -> OperationRequest)? = nil,
        onOperationComplete: (@Sendable (OperationID) async -> Void)? = nil,
        onDisconnect: (@Sendable (Context?) async -> Void)? = nil
    ) {
        self.init(
            onConnect: { payload in .accept(payload) },
            onOperation: onOperation,
            onOperationComplete: onOperationComplete,
            onDisconnect: onDisconnect,
            contextWithoutInit: { [:] }
        )
    }
}
