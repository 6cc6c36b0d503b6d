import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// Records every event a server reports.
struct RecordingObserver: GraphQLWebSocketObserver {
    let events = Recorder<(ObservedConnection, GraphQLWebSocketEvent)>()

    func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection) {
        events.record((connection, event))
    }

    /// The events other than message counts, which depend on how the transport batches.
    var lifecycle: [GraphQLWebSocketEvent] {
        events.values.map(\.1).filter {
            switch $0 {
            case .messageReceived, .messagesSent: false
            default: true
            }
        }
    }

    var messagesReceived: (count: Int, bytes: Int) {
        events.values.reduce(into: (0, 0)) { total, entry in
            if case .messageReceived(let bytes) = entry.1 {
                total.0 += 1
                total.1 += bytes
            }
        }
    }

    var messagesSent: (count: Int, bytes: Int) {
        events.values.reduce(into: (0, 0)) { total, entry in
            if case .messagesSent(let count, let bytes) = entry.1 {
                total.0 += count
                total.1 += bytes
            }
        }
    }
}

/// Runs one connection of a server that reports to `observer`.
private func withObservedConnection(
    _ subprotocol: WebSocketSubprotocol,
    observer: RecordingObserver,
    executor: TestExecutor<JSONObject> = TestExecutor(),
    hooks: ServerHooks<JSONObject> = HookSpy().hooks(),
    _ body: (TestConnection<ServerConnection<TestExecutor<JSONObject>>>) async throws -> Void
) async throws -> [OutboundMessage] {
    let server = GraphQLWebSocketServer(
        executor: executor,
        hooks: hooks,
        graphQLWS: testOptions(),
        graphQLTransportWS: transportTestOptions(exposesInternalErrorMessages: true),
        observer: observer
    )
    let probe: ConnectionProbe = subprotocol == .graphQLWS ? .graphQLWS : .graphQLTransportWS
    return try await withTestConnection(server.makeConnection(speaking: subprotocol, clock: ManualClock()), probe: probe) {
        connection in
        try await body(connection)
        return connection
    }.sentMessages
}

@Suite("Observer events")
struct ObserverTests {
    @Test func aSubscriptionReportsItsLifeInOrder() async throws {
        let observer = RecordingObserver()
        let executor = TestExecutor<JSONObject>()
        let init_ = #"{"type":"connection_init","payload":{}}"#
        let subscribe = #"{"id":"1","type":"subscribe","payload":{"query":"subscription Ticks { t }","operationName":"Ticks"}}"#
        let sent = try await withObservedConnection(.graphQLTransportWS, observer: observer, executor: executor) { connection in
            await connection.send(init_)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(subscribe)
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": 1]])
            source.finish()
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"t":1}}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
        }
        #expect(
            observer.lifecycle == [
                .opened(traceHeaders: [:]),
                .acknowledged(traceHeaders: [:]),
                .operationStarted(OperationID("1"), operationName: "Ticks", operationType: .subscription),
                .operationEnded(OperationID("1"), .completed),
                .closed(ConnectionClosure(code: nil, reason: ""), initiator: .client),
            ]
        )
        #expect(observer.messagesReceived.count == 2)
        #expect(observer.messagesReceived.bytes == init_.utf8.count + subscribe.utf8.count)
        let sentText = sent.compactMap { if case .text(let bytes) = $0 { bytes } else { nil } }
        #expect(observer.messagesSent.count == sentText.count)
        #expect(observer.messagesSent.bytes == sentText.reduce(0) { $0 + $1.count })
        #expect(Set(observer.events.values.map(\.0)).count == 1)
    }

    @Test func operationsEndFailedOrStoppedAndLiveOnesStopBeforeTheClose() async throws {
        let observer = RecordingObserver()
        let executor = TestExecutor<JSONObject> { request, _, source in
            request.query.contains("bad") ? .rejected([GraphQLFormattedError(message: "Bad field")]) : .stream(source.stream)
        }
        _ = try await withObservedConnection(.graphQLWS, observer: observer, executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""a""#, query: "subscription { bad }")
            try await connection.expect(#"{"type":"data","id":"a","payload":{"errors":[{"message":"Bad field"}]}}"#)
            try await connection.expect(#"{"id":"a","type":"complete"}"#)
            await connection.start(#""b""#)
            await connection.send(#"{"id":"b","type":"stop"}"#)
            try await connection.expect(#"{"id":"b","type":"complete"}"#)
            await connection.start(#""c""#)
            _ = await executor.call(2)
            await connection.send(#"{"type":"connection_terminate"}"#)
            try await connection.expectClose(code: 1000, reason: "")
        }
        #expect(
            observer.lifecycle == [
                .opened(traceHeaders: [:]),
                .acknowledged(traceHeaders: [:]),
                .operationStarted(OperationID("a"), operationName: nil, operationType: .subscription),
                .operationEnded(OperationID("a"), .failed(message: "Bad field")),
                .operationStarted(OperationID("b"), operationName: nil, operationType: .subscription),
                .operationEnded(OperationID("b"), .stopped),
                .operationStarted(OperationID("c"), operationName: nil, operationType: .subscription),
                .operationEnded(OperationID("c"), .stopped),
                .closed(ConnectionClosure(code: 1000, reason: ""), initiator: .server),
            ]
        )
    }

    @Test(arguments: [WebSocketSubprotocol.graphQLWS, .graphQLTransportWS])
    func aRefusedClientIsReported(_ subprotocol: WebSocketSubprotocol) async throws {
        let observer = RecordingObserver()
        let hooks = HookSpy().hooks(onConnect: { _ in .reject(message: "No entry") })
        let code: UInt16 = subprotocol == .graphQLWS ? 1011 : 4403
        let reason = subprotocol == .graphQLWS ? "" : "Forbidden"
        _ = try await withObservedConnection(subprotocol, observer: observer, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"token":"s3cret"}}"#)
            if subprotocol == .graphQLWS {
                try await connection.expect(#"{"type":"connection_error","payload":{"message":"No entry"}}"#)
            }
            try await connection.expectClose(code: code, reason: reason)
        }
        #expect(
            observer.lifecycle == [.opened(traceHeaders: [:]), .refused, .closed(ConnectionClosure(code: code, reason: reason), initiator: .server)]
        )
        #expect(!observer.events.values.contains { "\($0.1)".contains("s3cret") })
    }

    @Test func aThrowingConnectHookIsReportedWithItsMessage() async throws {
        let observer = RecordingObserver()
        let hooks = HookSpy().hooks(onConnect: { _ in throw TestError("database unreachable") })
        _ = try await withObservedConnection(.graphQLTransportWS, observer: observer, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4500, reason: "database unreachable")
        }
        #expect(
            observer.lifecycle == [
                .opened(traceHeaders: [:]),
                .connectHookFailed(message: "database unreachable"),
                .closed(ConnectionClosure(code: 4500, reason: "database unreachable"), initiator: .server),
            ]
        )
    }

    @Test func anUnexpectedExecutorErrorFailsTheOperationThenClosesTheConnection() async throws {
        let observer = RecordingObserver()
        let executor = TestExecutor<JSONObject> { _, _, _ in throw TestError("executor crashed") }
        _ = try await withObservedConnection(.graphQLTransportWS, observer: observer, executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try await connection.expectClose(code: 4500, reason: "executor crashed")
        }
        #expect(
            observer.lifecycle == [
                .opened(traceHeaders: [:]),
                .acknowledged(traceHeaders: [:]),
                .operationStarted(OperationID("1"), operationName: nil, operationType: .subscription),
                .operationEnded(OperationID("1"), .failed(message: "executor crashed")),
                .closed(ConnectionClosure(code: 4500, reason: "executor crashed"), initiator: .server),
            ]
        )
    }

    @Test func connectionsOfOneServerHaveDistinctIncreasingIds() async throws {
        let observer = RecordingObserver()
        let server = GraphQLWebSocketServer(executor: TestExecutor<JSONObject>(), observer: observer)
        let first = server.makeConnection(speaking: .graphQLWS)
        let second = server.makeConnection(speaking: .graphQLTransportWS)
        #expect(first.id == 1)
        #expect(second.id == 2)
        for connection in [first, second] {
            try await withTestConnection(connection, probe: connection.subprotocol == .graphQLWS ? .graphQLWS : .graphQLTransportWS) { _ in }
        }
        let opened = observer.events.values.filter { $0.1 == .opened(traceHeaders: [:]) }.map(\.0)
        #expect(opened == [ObservedConnection(id: 1, subprotocol: .graphQLWS), ObservedConnection(id: 2, subprotocol: .graphQLTransportWS)])
    }
}
