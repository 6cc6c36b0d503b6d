import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-transport-ws operations and closing (TW-23…TW-39)")
struct GraphQLTransportWSOperationTests {
    @Test func tw23QueryGivesNextThenComplete() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in .single(ExecutionResult(["data": ["getValue": "value"]])) }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "query { getValue }")
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"getValue":"value"}}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func anExecutorRejectingWithNoErrorsGetsAnErrorMessageAndTheConnectionGoesOn() async throws {
        // `rejected([])` breaks the executor contract ("never empty"); it once crashed the server.
        let executor = TestExecutor<JSONObject> { request, _, _ in
            request.query.contains("broken") ? .rejected([]) : .single(ExecutionResult(["data": ["ok": true]]))
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "{ broken }")
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Invalid request"}]}"#)
            await connection.subscribe("2", query: "{ ok }")
            try await connection.expect(#"{"id":"2","type":"next","payload":{"data":{"ok":true}}}"#)
            try await connection.expect(#"{"id":"2","type":"complete"}"#)
        }
    }

    @Test func aRequestErrorThrownWithNoErrorsGetsAnErrorMessage() async throws {
        // The "never empty" rule holds for thrown request errors too: the initializer fills the list
        // and `errors` cannot be emptied afterwards.
        let executor = TestExecutor<JSONObject> { _, _, _ in throw GraphQLRequestError([]) }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "{ broken }")
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Invalid request"}]}"#)
        }
    }

    @Test func tw24SubscriptionStreamsEveryEventThenCompletes() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            let source = try #require(await executor.call(0).source)
            for value in 1...5 {
                source.emit(["data": ["t": .integer(value)]])
            }
            for value in 1...5 {
                try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"t":\#(value)}}}"#)
            }
            source.finish()
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
        }
    }

    @Test func tw25QueryReturningAStreamGivesSeveralNexts() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in
            let (stream, continuation) = AsyncThrowingStream<ExecutionResult, any Error>.makeStream()
            for value in 1...3 {
                continuation.yield(ExecutionResult(["data": ["live": .integer(value)]]))
            }
            continuation.finish()
            return .stream(stream)
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "query { live }")
            for value in 1...3 {
                try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"live":\#(value)}}}"#)
            }
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
        }
    }

    @Test func tw26ValidationErrorsAreOneErrorMessageAndTheIdIsFreeAgain() async throws {
        let errors = [
            GraphQLFormattedError(message: #"Cannot query field "testNumber" on type "Query"."#, locations: [.init(line: 2, column: 15)]),
            GraphQLFormattedError(message: #"Cannot query field "testBoolean" on type "Query"."#, locations: [.init(line: 3, column: 15)]),
        ]
        let executor = TestExecutor<JSONObject> { _, _, _ in .rejected(errors) }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try await connection.expect(
                #"{"id":"1","type":"error","payload":[{"message":"Cannot query field \"testNumber\" on type \"Query\".","locations":[{"line":2,"column":15}]},{"message":"Cannot query field \"testBoolean\" on type \"Query\".","locations":[{"line":3,"column":15}]}]}"#
            )
            try await connection.expectSilence()
            await connection.subscribe("1")
            try await connection.expect(
                #"{"id":"1","type":"error","payload":[{"message":"Cannot query field \"testNumber\" on type \"Query\".","locations":[{"line":2,"column":15}]},{"message":"Cannot query field \"testBoolean\" on type \"Query\".","locations":[{"line":3,"column":15}]}]}"#
            )
        }
    }

    @Test func tw27UnknownOperationNameIsAnErrorMessage() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in .rejected([GraphQLFormattedError(message: "Unable to identify operation")]) }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(#"{"id":"1","type":"subscribe","payload":{"query":"query A { a }","operationName":"B"}}"#)
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Unable to identify operation"}]}"#)
        }
    }

    @Test func tw28ResultWithErrorsIsOneNext() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": nil], "errors": [["message": "E1", "path": ["t"]]]])
            try await connection.expect(
                #"{"id":"1","type":"next","payload":{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}}"#
            )
            try await connection.expectSilence()
        }
    }

    @Test func tw29StreamFailureIsAnErrorWithoutComplete() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try #require(await executor.call(0).source).fail(TestError("Subscribe Kaboom!"))
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Subscribe Kaboom!"}]}"#)
            try await connection.expectSilence()
        }
    }

    @Test func tw30ExecutorThrowingCloses4500() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in throw TestError("The GraphQL schema is not provided") }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try await connection.expectClose(code: 4500, reason: "The GraphQL schema is not provided")
            try await connection.expectEnd()
        }
    }

    @Test func tw30OperationHookThrowingCloses4500() async throws {
        let hooks = HookSpy().hooks(onOperation: { _, _, _ in throw TestError("hook failed") })
        try await withTransportWSConnection(hooks: hooks) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try await connection.expectClose(code: 4500, reason: "hook failed")
        }
    }

    @Test func tw30SyntaxErrorIsAnErrorMessageNotAClose() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in
            throw GraphQLRequestError([
                GraphQLFormattedError(message: "Syntax Error: Expected Name, found <EOF>.", locations: [.init(line: 1, column: 2)])
            ])
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "{")
            try await connection.expect(
                #"{"id":"1","type":"error","payload":[{"message":"Syntax Error: Expected Name, found <EOF>.","locations":[{"line":1,"column":2}]}]}"#
            )
            try await connection.expectSilence()
        }
    }

    @Test func tw31DuplicateIdCloses4409() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("not-unique")
            let source = try #require(await executor.call(0).source)
            await connection.subscribe("not-unique")
            try await connection.expectClose(code: 4409, reason: "Subscriber for not-unique already exists")
            await source.waitUntilTerminated()
        }
    }

    @Test func tw31DuplicateIdWhilePreparingCloses4409() async throws {
        let gate = Gate()
        let executor = TestExecutor<JSONObject> { _, _, source in
            await gate.wait()
            return .stream(source.stream)
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("not-unique")
            _ = await executor.call(0)
            await connection.subscribe("not-unique")
            try await connection.expectClose(code: 4409, reason: "Subscriber for not-unique already exists")
            gate.open()
            try await connection.expectEnd()
        }
    }

    @Test func tw32ClientCompleteStopsWithoutEcho() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            let source = try #require(await executor.call(0).source)
            await connection.send(#"{"id":"1","type":"complete"}"#)
            await source.waitUntilTerminated()
            source.emit(["data": ["t": 1]])
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func tw33ClientCompleteBeforeASlowSingleResultSendsNothing() async throws {
        let gate = Gate()
        let executor = TestExecutor<JSONObject> { _, _, _ in
            await gate.wait()
            return .single(ExecutionResult(["data": ["slow": true]]))
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1", query: "{ slow }")
            _ = await executor.call(0)
            await connection.send(#"{"id":"1","type":"complete"}"#)
            try await connection.expectSilence()
            gate.open()
            try await connection.expectSilence()
        }
    }

    @Test func tw34ClientCompleteDuringPreparationTerminatesTheStream() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject> { _, _, source in
            await gate.wait()
            return .stream(source.stream)
        }
        try await withTransportWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            let source = try #require(await executor.call(0).source)
            await connection.send(#"{"id":"1","type":"complete"}"#)
            await spy.completed.waitForCount(1)
            gate.open()
            await source.waitUntilTerminated()
            source.emit(["data": ["t": 1]])
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func tw35CompleteForUnknownOrFinishedIdsIsIgnored() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in .single(ExecutionResult(["data": ["a": 1]])) }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(#"{"id":"unknown","type":"complete"}"#)
            await connection.subscribe("1")
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"a":1}}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            await connection.send(#"{"id":"1","type":"complete"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func tw36IdsCanBeReusedAfterEveryKindOfEnd() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            try #require(await executor.call(0).source).finish()
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            await connection.subscribe("1")
            try #require(await executor.call(1).source).fail(TestError("x"))
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"x"}]}"#)
            await connection.subscribe("1")
            let third = try #require(await executor.call(2).source)
            await connection.send(#"{"id":"1","type":"complete"}"#)
            await third.waitUntilTerminated()
            await connection.subscribe("1")
            try #require(await executor.call(3).source).emit(["data": ["t": 4]])
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"t":4}}}"#)
        }
    }

    @Test func tw37TransportCloseReachesDisconnectThenClose() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            await connection.subscribe("2")
            let first = try #require(await executor.call(0).source)
            let second = try #require(await executor.call(1).source)
            connection.connection.transportClosed(code: 4321, reason: "Byebye")
            await first.waitUntilTerminated()
            await second.waitUntilTerminated()
            try await connection.expectEnd()
        }
        #expect(spy.calls.values == ["disconnect 4321 Byebye", "close 4321 Byebye"])
    }

    @Test func tw37UnacknowledgedConnectionOnlyCloses() async throws {
        let spy = HookSpy()
        try await withTransportWSConnection(hooks: spy.hooks()) { connection in
            connection.connection.transportClosed(code: 4321, reason: "Byebye")
            try await connection.expectEnd()
        }
        #expect(spy.calls.values == ["close 4321 Byebye"])
    }

    @Test(arguments: [true, false])
    func tw38SocketClosedWhileExecutorPendingSendsNothing(resumesWithStream: Bool) async throws {
        let gate = Gate()
        let executor = TestExecutor<JSONObject> { _, _, source in
            await gate.wait()
            return resumesWithStream ? .stream(source.stream) : .rejected([GraphQLFormattedError(message: "late")])
        }
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.subscribe("1")
            let source = try #require(await executor.call(0).source)
            connection.closeTransport()
            try await connection.expectEnd()
            gate.open()
            if resumesWithStream {
                await source.waitUntilTerminated()
            }
        }
    }

    @Test func tw39OperationLimitRefusesTheExtraSubscribeAndFreesIdsAgain() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor, options: GraphQLTransportWSServerOptions()) { connection in
            try await connection.initialise()
            for id in 1...100 {
                await connection.subscribe("\(id)")
                _ = await executor.call(id - 1)
            }
            await connection.subscribe("101")
            try await connection.expect(#"{"id":"101","type":"error","payload":[{"message":"Subscription limit reached"}]}"#)
            #expect(executor.calls.count == 100)
            try #require(await executor.call(0).source).finish()
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            await connection.subscribe("101")
            try #require(await executor.call(100).source).emit(["data": ["t": 1]])
            try await connection.expect(#"{"id":"101","type":"next","payload":{"data":{"t":1}}}"#)
        }
    }
}
