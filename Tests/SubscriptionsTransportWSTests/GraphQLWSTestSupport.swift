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

    func hooks(
        onConnect: (@Sendable (JSONObject) async throws -> ConnectionDecision<JSONObject>)? = nil,
        onOperation: (@Sendable (OperationID, OperationRequest, JSONObject) async throws -> OperationRequest)? = nil
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
            onDisconnect: { [disconnects] context, _ in disconnects.record(context) },
            onClose: { [closes] closure in closes.record(closure) },
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
