import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-ws operations (GW-24…GW-46)")
struct GraphQLWSOperationTests {
    @Test func gw24StartRunsTheRequestAndStreamsDataThenComplete() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.send(
                #"{"id":"1","type":"start","payload":{"query":"subscription S { t }","variables":{"a":1},"operationName":"S"}}"#
            )
            let call = await executor.call(0)
            #expect(call.request == OperationRequest(query: "subscription S { t }", variables: ["a": 1], operationName: "S"))
            let source = try #require(call.source)
            source.emit(["data": ["t": 1]])
            source.emit(["data": ["t": 2]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":2}}}"#)
            source.finish()
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            await spy.completed.waitForCount(1)
            try await connection.expectSilence()
            #expect(executor.calls.count == 1)
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test(arguments: [
        #"{"id":"1","type":"start","payload":{"query":"{ a }"}}"#,
        #"{"id":"1","type":"start","payload":{"query":"{ a }","variables":null,"operationName":null}}"#,
    ])
    func gw25AbsentOrNullVariablesAreEmpty(frame: String) async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(frame)
            let call = await executor.call(0)
            #expect(call.request.variables == [:])
            #expect(call.request.operationName == nil)
        }
    }

    @Test func gw26ExtraPayloadKeysReachTheOperationHook() async throws {
        let spy = HookSpy()
        try await withGraphQLWSConnection(hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.send(
                #"{"id":"1","type":"start","payload":{"query":"{ a }","extensions":{"persistedQuery":{"version":1}},"context":"x"}}"#
            )
            let request = try #require(await spy.operationRequests.waitForCount(1).first)
            #expect(request.extensions == ["persistedQuery": ["version": 1]])
            #expect(request.otherPayloadFields == ["context": "x"])
            try await connection.expectSilence()
        }
    }

    @Test func gw27StopSendsOneComplete() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let source = try #require(await executor.call(0).source)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            await source.waitUntilTerminated()
            source.emit(["data": ["t": 1]])
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func gw28StopOfUnknownIdsIsIgnored() async throws {
        try await withGraphQLWSConnection { connection in
            try await connection.initialise()
            for id in ["nope", "toString", "__proto__"] {
                await connection.send(#"{"id":"\#(id)","type":"stop"}"#)
            }
            await connection.send(#"{"type":"stop"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func gw29SecondStopSendsNothing() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            _ = await executor.call(0)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func gw30StopDuringPreparationCancelsAndCompletesOnce() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject> { _, _, source in
            await gate.wait()
            return .stream(source.stream)
        }
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let source = try #require(await executor.call(0).source)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            source.emit(["data": ["t": 1]])
            gate.open()
            await source.waitUntilTerminated()
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func gw30StopQueuedBehindConnectHookCompletesOnce() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await connection.start(#""1""#)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            await spy.connects.waitForCount(1)
            gate.open()
            try await connection.expect(#"{"type":"connection_ack"}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            if let source = executor.calls.first?.source {
                source.emit(["data": ["t": 1]])
                await source.waitUntilTerminated()
            }
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func gw31DuplicateIdReplacesTheOldOperationSilently() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let first = try #require(await executor.call(0).source)
            await connection.start(#""1""#)
            let second = try #require(await executor.call(1).source)
            await first.waitUntilTerminated()
            await spy.completed.waitForCount(1)
            second.emit(["data": ["t": "B"]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":"B"}}}"#)
            try await connection.expectSilence()
            #expect(!second.isTerminated)
        }
        #expect(spy.completed.values.first == OperationID("1"))
    }

    @Test func gw32IdCanBeReusedAfterCompletion() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try #require(await executor.call(0).source).finish()
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            await connection.start(#""1""#)
            try #require(await executor.call(1).source).emit(["data": ["t": 2]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":2}}}"#)
        }
    }

    @Test func gw33OperationsAreMultiplexed() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            var sources: [TestSource] = []
            for id in 1...3 {
                await connection.start(#""\#(id)""#)
                sources.append(try #require(await executor.call(id - 1).source))
            }
            for index in [2, 0, 1] {
                sources[index].emit(["data": ["n": .integer(index + 1)]])
                try await connection.expect(#"{"type":"data","id":"\#(index + 1)","payload":{"data":{"n":\#(index + 1)}}}"#)
            }
            await connection.send(#"{"id":"2","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":"2"}"#)
            await sources[1].waitUntilTerminated()
            sources[0].emit(["data": ["n": 1]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"n":1}}}"#)
            sources[2].emit(["data": ["n": 3]])
            try await connection.expect(#"{"type":"data","id":"3","payload":{"data":{"n":3}}}"#)
        }
    }

    @Test(arguments: ["query { a }", "mutation { a }"])
    func gw34SingleResultSendsDataThenComplete(query: String) async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject> { _, _, _ in .single(ExecutionResult(["data": ["a": 1]])) }
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""q""#, query: query)
            try await connection.expect(#"{"type":"data","id":"q","payload":{"data":{"a":1}}}"#)
            try await connection.expect(#"{"type":"complete","id":"q"}"#)
            await spy.completed.waitForCount(1)
            await connection.send(#"{"id":"q","type":"stop"}"#)
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("q")])
    }

    @Test func gw35ResultWithPartialErrorsIsOneDataFrame() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": nil], "errors": [["message": "E1", "path": ["t"]]]])
            try await connection.expect(
                #"{"type":"data","id":"1","payload":{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}}"#
            )
            source.emit(["data": ["t": 2]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":2}}}"#)
        }
    }

    @Test func gw36ValidationErrorsAreDataThenComplete() async throws {
        let error = GraphQLFormattedError(
            message: #"Cannot query field "x" on type "Subscription"."#,
            locations: [.init(line: 1, column: 16)]
        )
        let executor = TestExecutor<JSONObject> { _, _, _ in .rejected([error]) }
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try await connection.expect(
                #"{"type":"data","id":"1","payload":{"errors":[{"message":"Cannot query field \"x\" on type \"Subscription\".","locations":[{"line":1,"column":16}]}]}}"#
            )
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
        }
    }

    @Test func gw37ExecutorThrowingBeforeTheStreamSendsError() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject> { _, _, _ in
            throw GraphQLRequestError([GraphQLFormattedError(message: "Syntax Error: Expected Name, found <EOF>.")])
        }
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try await connection.expect(
                #"{"type":"error","id":"1","payload":{"message":"Syntax Error: Expected Name, found <EOF>."}}"#
            )
            await spy.completed.waitForCount(1)
            try await connection.expectSilence()
        }
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test func gw38StreamFailureSendsErrorWithoutComplete() async throws {
        let executor = TestExecutor<JSONObject>()
        let spy = HookSpy()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let failing = try #require(await executor.call(0).source)
            await connection.start(#""2""#)
            let other = try #require(await executor.call(1).source)
            failing.emit(["data": ["t": 1]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)
            failing.fail(TestError("boom"))
            try await connection.expect(#"{"type":"error","id":"1","payload":{"message":"boom"}}"#)
            await spy.completed.waitForCount(1)
            other.emit(["data": ["t": 2]])
            try await connection.expect(#"{"type":"data","id":"2","payload":{"data":{"t":2}}}"#)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            try await connection.expectSilence()
        }
    }

    @Test(arguments: [
        #"{"id":"1","type":"start"}"#,
        #"{"id":"1","type":"start","payload":null}"#,
        #"{"id":"1","type":"start","payload":{}}"#,
        #"{"id":"1","type":"start","payload":{"query":5}}"#,
        #"{"id":"1","type":"start","payload":{"query":"{ a }","variables":[]}}"#,
    ])
    func gw39InvalidStartPayloadsGetAnErrorAndDoNotRun(frame: String) async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(frame)
            let reply = try #require(try await connection.nextJSON().objectValue)
            #expect(reply["type"] == "error")
            #expect(reply["id"] == "1")
            let message = try #require(reply["payload"]?.objectValue?["message"]?.stringValue)
            #expect(!message.isEmpty)
            try await connection.expectSilence()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test(arguments: [
        #"{"type":"start","payload":{"query":"{ a }"}}"#,
        #"{"id":null,"type":"start","payload":{"query":"{ a }"}}"#,
        #"{"id":"","type":"start","payload":{"query":"{ a }"}}"#,
        #"{"id":{},"type":"start","payload":{"query":"{ a }"}}"#,
    ])
    func gw40StartWithoutUsableIdGetsAnErrorAndLeavesNoOperation(frame: String) async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, options: testOptions(maxLiveOperations: 1)) { connection in
            try await connection.initialise()
            for _ in 0..<2 {
                await connection.send(frame)
                let reply = try #require(try await connection.nextJSON().objectValue)
                #expect(reply["type"] == "error")
                #expect(reply["id"] == nil)
                #expect(reply["payload"]?.objectValue?["message"]?.stringValue?.isEmpty == false)
            }
            #expect(executor.calls.isEmpty)
            // The limit is one live operation: a valid start still runs, so nothing was registered.
            await connection.start(#""ok""#)
            try #require(await executor.call(0).source).emit(["data": ["t": 1]])
            try await connection.expect(#"{"type":"data","id":"ok","payload":{"data":{"t":1}}}"#)
        }
    }

    @Test func gw41NumericIdsAreEchoedAndMatchTheirStringForm() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start("1")
            let first = try #require(await executor.call(0).source)
            first.emit(["data": ["t": 1]])
            try await connection.expect(#"{"type":"data","id":1,"payload":{"data":{"t":1}}}"#)
            await connection.send(#"{"id":1,"type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":1}"#)

            await connection.start("2")
            let second = try #require(await executor.call(1).source)
            await connection.send(#"{"id":"2","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":2}"#)
            await second.waitUntilTerminated()
        }
    }

    @Test func gw42OperationLimitRefusesExtraStarts() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, options: testOptions(maxLiveOperations: 2)) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            await connection.start(#""2""#)
            _ = await executor.call(1)
            await connection.start(#""3""#)
            try await connection.expect(#"{"type":"error","id":"3","payload":{"message":"Subscription limit reached"}}"#)
            #expect(executor.calls.count == 2)
            await connection.send(#"{"id":"1","type":"stop"}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
            await connection.start(#""4""#)
            try #require(await executor.call(2).source).emit(["data": ["t": 4]])
            try await connection.expect(#"{"type":"data","id":"4","payload":{"data":{"t":4}}}"#)
        }
    }

    @Test func gw43OperationHookCanReplaceVariables() async throws {
        let executor = TestExecutor<JSONObject>()
        let hooks = HookSpy().hooks(onOperation: { _, request, _ in
            var request = request
            request.variables = ["b": 2]
            return request
        })
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            try await connection.initialise()
            await connection.send(#"{"id":"1","type":"start","payload":{"query":"{ a }","variables":{"a":1}}}"#)
            #expect(await executor.call(0).request.variables == ["b": 2])
        }
    }

    @Test func gw43OperationHookThrowingSendsExactlyOneError() async throws {
        let executor = TestExecutor<JSONObject>()
        let hooks = HookSpy().hooks(onOperation: { _, _, _ in throw TestError("nope") })
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try await connection.expect(#"{"type":"error","id":"1","payload":{"message":"nope"}}"#)
            try await connection.expectSilence()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func gw44FailingTransportCancelsOperationsWithoutFurtherSends() async throws {
        let executor = TestExecutor<JSONObject>()
        let spy = HookSpy()
        let server = GraphQLWebSocketServer(executor: executor, hooks: spy.hooks(), graphQLWS: testOptions())
        let connection = server.makeConnection(speaking: .graphQLWS, clock: ManualClock())
        let attempts = Recorder<String>()
        let socketGone = Gate()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.run(
                    send: { text in
                        attempts.record(text)
                        if socketGone.isOpen { throw TestError("socket gone") }
                    },
                    close: { _, _ in attempts.record("close") }
                )
            }
            connection.receive(.text(#"{"type":"connection_init"}"#))
            await attempts.waitForCount(1)
            connection.receive(.text(#"{"id":"1","type":"start","payload":{"query":"subscription { t }"}}"#))
            let source = await executor.call(0).source!
            source.emit(["data": ["t": 1]])
            await attempts.waitForCount(2)
            socketGone.open()
            source.emit(["data": ["t": 2]])
            await source.waitUntilTerminated()
            source.emit(["data": ["t": 3]])
            await spy.disconnects.waitForCount(1)
        }
        #expect(attempts.values.count == 3)
        #expect(attempts.values.allSatisfy { !$0.contains(#""type":"error""#) })
        #expect(spy.completed.values == [OperationID("1")])
    }

    @Test(arguments: [true, false])
    func gw46NothingHappensAfterTerminateOrTransportClose(terminate: Bool) async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            if terminate {
                await connection.send(#"{"type":"connection_terminate"}"#)
                try await connection.expectClose(code: 1000)
            } else {
                connection.closeTransport()
            }
            await connection.send(#"{"type":"connection_init"}"#)
            await connection.start(#""1""#)
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }
}
