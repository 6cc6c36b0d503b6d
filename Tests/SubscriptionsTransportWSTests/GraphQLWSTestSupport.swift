import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// The harness defaults of the specification's §7: keep-alive off, no init timeout, no limits.
func testOptions(
    keepAlive: GraphQLWSServerOptions.KeepAlive = .disabled,
    connectionInitWaitTimeout: Duration? = nil,
    maxLiveOperations: Int? = nil,
    allowOperationsWithoutInit: Bool = false,
    repeatedConnectionInit: GraphQLWSServerOptions.RepeatedConnectionInit = .reacknowledge,
    binaryFrames: GraphQLWSServerOptions.BinaryFrames = .decodeAsText
) -> GraphQLWSServerOptions {
    GraphQLWSServerOptions(
        keepAlive: keepAlive,
        connectionInitWaitTimeout: connectionInitWaitTimeout,
        maxLiveOperations: maxLiveOperations,
        allowOperationsWithoutInit: allowOperationsWithoutInit,
        repeatedConnectionInit: repeatedConnectionInit,
        binaryFrames: binaryFrames
    )
}

/// Hooks that record what the server reports.
struct HookSpy: Sendable {
    let connects = Recorder<JSONObject>()
    let operationRequests = Recorder<OperationRequest>()
    let completed = Recorder<OperationID>()
    let disconnects = Recorder<JSONObject>()
    let closes = Recorder<ServerHooks<JSONObject>.Closure>()
    /// Every hook call in order, as text: "disconnect 4321 Byebye", "close 4321 Byebye", "ping …".
    let calls = Recorder<String>()

    /// Hooks whose `onConnect` accepts the payload once `gate` opens: a connect hook still deciding.
    func hooks(acceptingAfter gate: Gate) -> ServerHooks<JSONObject> {
        hooks(onConnect: { payload in
            await gate.wait()
            return .accept(payload)
        })
    }

    func hooks(
        onConnect: (@Sendable (JSONObject) async throws -> ConnectionDecision<JSONObject>)? = nil,
        onOperation: (@Sendable (OperationID, OperationRequest, JSONObject) async throws -> OperationRequest)? = nil,
        observesPings: Bool = false
    ) -> ServerHooks<JSONObject> {
        ServerHooks(
            onConnect: { [connects] payload in
                connects.record(payload)
                return try await onConnect?(payload) ?? .accept(payload)
            },
            onOperation: { [operationRequests] id, request, context in
                operationRequests.record(request)
                return try await onOperation?(id, request, context) ?? request
            },
            onOperationComplete: { [completed] id in completed.record(id) },
            onDisconnect: { [disconnects, calls] context, closure in
                disconnects.record(context)
                calls.record("disconnect \(closure.code.map(String.init) ?? "-") \(closure.reason)")
            },
            onClose: { [closes, calls] closure in
                closes.record(closure)
                calls.record("close \(closure.code.map(String.init) ?? "-") \(closure.reason)")
            },
            onPing: observesPings ? { @Sendable [calls] payload in calls.record("ping \(JSONValue.object(payload ?? [:]))") } : nil,
            onPong: observesPings ? { @Sendable [calls] payload in calls.record("pong \(JSONValue.object(payload ?? [:]))") } : nil,
            contextWithoutInit: { [:] }
        )
    }
}

/// Runs one `graphql-ws` connection under the fake transport.
func withGraphQLWSConnection<Result>(
    executor: TestExecutor<JSONObject> = TestExecutor(),
    hooks: ServerHooks<JSONObject> = HookSpy().hooks(),
    options: GraphQLWSServerOptions = testOptions(),
    clock: ManualClock = ManualClock(),
    _ body: (TestConnection<ServerConnection<TestExecutor<JSONObject>>>) async throws -> Result
) async throws -> Result {
    let server = GraphQLWebSocketServer(executor: executor, hooks: hooks, graphQLWS: options)
    return try await withTestConnection(server.makeConnection(speaking: .graphQLWS, clock: clock), probe: .graphQLWS, body)
}

extension TestConnection {
    /// Sends `connection_init` and expects the plain acknowledgement.
    func initialise() async throws {
        await send(#"{"type":"connection_init","payload":{}}"#)
        try await expect(#"{"type":"connection_ack"}"#)
    }

    /// Sends a `start` for a subscription with the given id (a JSON fragment such as `"1"` or `1`).
    func start(_ idJSON: String, query: String = "subscription { t }") async {
        await send(#"{"id":\#(idJSON),"type":"start","payload":{"query":"\#(query)"}}"#)
    }
}

/// The harness defaults of the specification's §7 for `graphql-transport-ws`: no init timeout, no limits.
func transportTestOptions(
    connectionInitWaitTimeout: Duration? = nil,
    maxLiveOperations: Int? = nil,
    acceptsBinaryFrames: Bool = true,
    exposesInternalErrorMessages: Bool = true
) -> GraphQLTransportWSServerOptions {
    GraphQLTransportWSServerOptions(
        connectionInitWaitTimeout: connectionInitWaitTimeout,
        maxLiveOperations: maxLiveOperations,
        acceptsBinaryFrames: acceptsBinaryFrames,
        exposesInternalErrorMessages: exposesInternalErrorMessages
    )
}

/// Runs one `graphql-transport-ws` connection under the fake transport.
func withTransportWSConnection<Result>(
    executor: TestExecutor<JSONObject> = TestExecutor(),
    hooks: ServerHooks<JSONObject> = HookSpy().hooks(),
    options: GraphQLTransportWSServerOptions = transportTestOptions(),
    negotiated: String? = "graphql-transport-ws",
    clock: ManualClock = ManualClock(),
    _ body: (TestConnection<ServerConnection<TestExecutor<JSONObject>>>) async throws -> Result
) async throws -> Result {
    let server = GraphQLWebSocketServer(executor: executor, hooks: hooks, graphQLTransportWS: options)
    let connection = server.makeConnection(speaking: .graphQLTransportWS, negotiated: negotiated, clock: clock)
    return try await withTestConnection(connection, probe: .graphQLTransportWS, body)
}

extension TestConnection {
    /// Sends a `graphql-transport-ws` `subscribe` with the given id.
    func subscribe(_ id: String, query: String = "subscription { t }") async {
        await send(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"\#(query)"}}"#)
    }
}
