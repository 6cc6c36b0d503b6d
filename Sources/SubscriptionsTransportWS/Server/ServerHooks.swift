/// Callbacks a server makes into the application, for both protocols.
///
/// Only ``onConnect`` is required: it decides whether a client may use the connection and produces
/// the context its operations run with. Every hook fires at most once per event: an operation
/// completes once, a connection disconnects and closes once.
public struct ServerHooks<Context: Sendable>: Sendable {
    /// How a connection ended.
    public typealias Closure = ConnectionClosure

    /// Called for each `connection_init` with its payload (the client's connection parameters, or an
    /// empty object) and the HTTP request that opened the WebSocket (its headers, cookies and client
    /// address). `graphql-ws` sends `connection_error` and closes 1011 when it rejects or throws;
    /// `graphql-transport-ws` closes 4403 when it rejects and 4500 when it throws.
    public var onConnect: @Sendable (_ payload: JSONObject, _ request: UpgradeRequest) async throws -> ConnectionDecision<Context>
    /// Called before an operation is executed; may return a changed request. Throwing
    /// ``GraphQLRequestError`` reports those errors for the operation; on `graphql-ws` any other error
    /// is reported as the operation's `error`, on `graphql-transport-ws` it closes the connection 4500.
    public var onOperation: (@Sendable (_ id: OperationID, _ request: OperationRequest, _ context: Context) async throws -> OperationRequest)?
    /// Called after ``onOperation``, before the operation is executed: return an outcome (a result,
    /// a rejection with GraphQL errors, a stream) to answer the operation without executing it, as
    /// for persisted or trusted documents, or `nil` to execute it. Throwing is as for
    /// ``onOperation``. (The `graphql-ws` library's `onSubscribe`.)
    public var onSubscribe: (@Sendable (_ id: OperationID, _ request: OperationRequest, _ context: Context) async throws -> ExecutionOutcome?)?
    /// Called for each result of an operation before it is sent: return it changed, or `nil` to
    /// drop it (a dropped single result leaves the operation to complete without one). It runs on
    /// the producer's path for every result, so it must be quick. (The `graphql-ws` library's
    /// `onNext`.)
    public var onNext: (@Sendable (_ id: OperationID, _ result: ExecutionResult, _ context: Context) -> ExecutionResult?)?
    /// Called with the GraphQL errors an operation ends with (a rejection, request errors, a failed
    /// stream) before they are sent: return them changed (at least one). Errors a hook or the
    /// executor throws that are not GraphQL errors are internal errors, not passed here. (The
    /// `graphql-ws` library's `onError`.)
    public var onError: (@Sendable (_ id: OperationID, _ errors: [GraphQLFormattedError], _ context: Context) -> [GraphQLFormattedError])?
    /// Called once when an operation ends for any reason: completion, error, a client stop, a
    /// replacing `start` (`graphql-ws`), or the connection closing.
    public var onOperationComplete: (@Sendable (_ id: OperationID) async -> Void)?
    /// Called once when an acknowledged connection ends, with its context.
    public var onDisconnect: (@Sendable (_ context: Context, _ closure: Closure) async -> Void)?
    /// Called once when any connection ends, after ``onDisconnect``.
    public var onClose: (@Sendable (_ closure: Closure) async -> Void)?
    /// `graphql-transport-ws` only: called for each `ping` with its payload; when set, the server
    /// does not answer with `pong` itself.
    public var onPing: (@Sendable (_ payload: JSONObject?) async -> Void)?
    /// `graphql-transport-ws` only: called for each `pong` with its payload.
    public var onPong: (@Sendable (_ payload: JSONObject?) async -> Void)?
    /// `graphql-ws` only: the context for operations started without `connection_init`, used when
    /// ``GraphQLWSServerOptions/allowOperationsWithoutInit`` is on. When `nil`, such operations are
    /// refused as if the option were off.
    public var contextWithoutInit: (@Sendable () -> Context)?

    /// Creates hooks whose connect hook reads only the `connection_init` payload.
    public init(
        onConnect: @escaping @Sendable (_ payload: JSONObject) async throws -> ConnectionDecision<Context>,
        onOperation: (@Sendable (OperationID, OperationRequest, Context) async throws -> OperationRequest)? = nil,
        onOperationComplete: (@Sendable (OperationID) async -> Void)? = nil,
        onDisconnect: (@Sendable (Context, Closure) async -> Void)? = nil,
        onClose: (@Sendable (Closure) async -> Void)? = nil,
        onPing: (@Sendable (JSONObject?) async -> Void)? = nil,
        onPong: (@Sendable (JSONObject?) async -> Void)? = nil,
        contextWithoutInit: (@Sendable () -> Context)? = nil
    ) {
        self.init(
            onConnect: { payload, _ in try await onConnect(payload) },
            onOperation: onOperation,
            onOperationComplete: onOperationComplete,
            onDisconnect: onDisconnect,
            onClose: onClose,
            onPing: onPing,
            onPong: onPong,
            contextWithoutInit: contextWithoutInit
        )
    }

    /// Creates hooks whose connect hook also reads the upgrade request, for example to
    /// authenticate by a cookie or an `Authorization` header:
    ///
    /// ```swift
    /// let hooks = ServerHooks<User>(onConnect: { payload, request in
    ///     guard let token = request.bearerToken ?? payload["token"]?.stringValue,
    ///           let user = try? await verifier.user(for: token)
    ///     else { return .reject(message: "Forbidden") }
    ///     return .accept(user)
    /// })
    /// ```
    public init(
        onConnect: @escaping @Sendable (_ payload: JSONObject, _ request: UpgradeRequest) async throws -> ConnectionDecision<Context>,
        onOperation: (@Sendable (OperationID, OperationRequest, Context) async throws -> OperationRequest)? = nil,
        onOperationComplete: (@Sendable (OperationID) async -> Void)? = nil,
        onDisconnect: (@Sendable (Context, Closure) async -> Void)? = nil,
        onClose: (@Sendable (Closure) async -> Void)? = nil,
        onPing: (@Sendable (JSONObject?) async -> Void)? = nil,
        onPong: (@Sendable (JSONObject?) async -> Void)? = nil,
        contextWithoutInit: (@Sendable () -> Context)? = nil
    ) {
        self.onConnect = onConnect
        self.onOperation = onOperation
        self.onOperationComplete = onOperationComplete
        self.onDisconnect = onDisconnect
        self.onClose = onClose
        self.onPing = onPing
        self.onPong = onPong
        self.contextWithoutInit = contextWithoutInit
    }
}

extension ServerHooks where Context == JSONObject {
    /// Hooks that accept every connection; the context is the `connection_init` payload (an empty
    /// object for operations started without init).
    public init(
        onOperation: (@Sendable (OperationID, OperationRequest, Context) async throws -> OperationRequest)? = nil,
        onOperationComplete: (@Sendable (OperationID) async -> Void)? = nil,
        onDisconnect: (@Sendable (Context, Closure) async -> Void)? = nil,
        onClose: (@Sendable (Closure) async -> Void)? = nil
    ) {
        self.init(
            onConnect: { payload, _ in .accept(payload) },
            onOperation: onOperation,
            onOperationComplete: onOperationComplete,
            onDisconnect: onDisconnect,
            onClose: onClose,
            contextWithoutInit: { [:] }
        )
    }
}
