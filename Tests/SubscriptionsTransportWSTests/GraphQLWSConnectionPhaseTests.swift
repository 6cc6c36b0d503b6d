import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-ws connection phase (GW-01…GW-16, GW-49, GW-50)")
struct GraphQLWSConnectionPhaseTests {
    @Test func gw01InitIsAcknowledgedExactly() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send(#"{"type":"connection_init","payload":{}}"#)
            let ack = try await connection.next()
            #expect(ack.text == #"{"type":"connection_ack"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func gw02InitWithoutPayloadGivesEmptyParams() async throws {
        let spy = HookSpy()
        try await withGraphQLWSConnection(hooks: spy.hooks()) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
        }
        #expect(spy.connects.values == [[:]])
    }

    @Test func gw03AckNeverEchoesTheInitId() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send(#"{"type":"connection_init","id":"7"}"#)
            let ack = try await connection.next()
            #expect(ack.text == #"{"type":"connection_ack"}"#)
        }
    }

    @Test func gw04ConnectHookReceivesThePayload() async throws {
        let spy = HookSpy()
        try await withGraphQLWSConnection(hooks: spy.hooks()) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"authToken":"abc","n":1}}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
        }
        #expect(spy.connects.values == [["authToken": "abc", "n": 1]])
    }

    @Test func gw05ConnectContextReachesTheExecutor() async throws {
        let executor = TestExecutor<JSONObject>()
        let hooks = HookSpy().hooks(onConnect: { _ in .accept(["user": "u1"]) })
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let call = await executor.call(0)
            #expect(call.context["user"] == "u1")
        }
    }

    @Test func gw06ConnectHookThrowingSendsConnectionErrorThenCloses1011() async throws {
        let hooks = HookSpy().hooks(onConnect: { _ in throw TestError("bad token") })
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            hooks: hooks,
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_error","payload":{"message":"bad token"}}"#)
            try await connection.expectClose(code: 1011)
            await clock.advance(by: .seconds(30))
            try await connection.expectEnd()
        }
    }

    @Test func thrownErrorMessagesAreHiddenWhenNotExposed() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in throw TestError("database password is hunter2") }
        var options = testOptions()
        options.exposesInternalErrorMessages = false
        try await withGraphQLWSConnection(executor: executor, options: options) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try await connection.expect(#"{"type":"error","id":"1","payload":{"message":"Internal server error"}}"#)
        }
        let hooks = HookSpy().hooks(onConnect: { _ in throw TestError("connection string postgres://secret") })
        try await withGraphQLWSConnection(hooks: hooks, options: options) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_error","payload":{"message":"Internal server error"}}"#)
            try await connection.expectClose(code: 1011)
        }
    }

    @Test func gw07ConnectHookRejectingSendsProhibitedConnection() async throws {
        let hooks = HookSpy().hooks(onConnect: { _ in .reject() })
        try await withGraphQLWSConnection(hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_error","payload":{"message":"Prohibited connection!"}}"#)
            try await connection.expectClose(code: 1011)
            try await connection.expectEnd()
        }
    }

    @Test func gw08StartPipelinedBehindConnectHookWaitsForAck() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await connection.start(#""1""#)
            await spy.connects.waitForCount(1)
            for _ in 0..<50 { await Task.yield() }
            #expect(executor.calls.isEmpty)
            gate.open()
            try await connection.expect(#"{"type":"connection_ack"}"#)
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": 1]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)
        }
    }

    @Test func messagesWhileConnectingAreBoundedAndTheNextOneCloses4429() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let hooks = spy.hooks(acceptingAfter: gate)
        var options = testOptions()
        options.maxMessagesWhileConnecting = 3
        try await withGraphQLWSConnection(executor: executor, hooks: hooks, options: options) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await spy.connects.waitForCount(1)
            for id in 1...3 { await connection.start("\"\(id)\"") }
            // Three wait for the hook's answer; the fourth is one too many.
            await connection.start(#""4""#)
            try await connection.expectClose(code: 4429, reason: "Too many messages before connection_ack")
            gate.open()
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func gw09PipelinedStartIsNotRunWhenConnectHookRejects() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let hooks = spy.hooks(onConnect: { _ in
            await gate.wait()
            throw TestError("expired")
        })
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await connection.start(#""1""#)
            await spy.connects.waitForCount(1)
            gate.open()
            try await connection.expect(#"{"type":"connection_error","payload":{"message":"expired"}}"#)
            try await connection.expectClose(code: 1011)
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func gw10StartWithoutInitClosesUnauthorized() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            await connection.start(#""1""#)
            try await connection.expectClose(code: 4401, reason: "Unauthorized")
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func gw10StartWithoutInitRunsWhenAllowed() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(
            executor: executor,
            options: testOptions(allowOperationsWithoutInit: true)
        ) { connection in
            await connection.start(#""1""#)
            let call = await executor.call(0)
            #expect(call.context == [:])
            call.source?.emit(["data": ["t": 1]])
            try await connection.expect(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)
        }
    }

    @Test func gw11KeepAliveFollowsAckThenEveryInterval() async throws {
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            try await connection.initialise()
            try await connection.expect(#"{"type":"ka"}"#)
            await clock.advance(by: .seconds(35))
            for _ in 0..<3 {
                try await connection.expect(#"{"type":"ka"}"#)
            }
            try await connection.expectSilence()
        }
    }

    @Test func gw12NoKeepAliveBeforeAck() async throws {
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            await clock.advance(by: .seconds(60))
            try await connection.expectSilence()
            #expect(connection.sentMessages.allSatisfy { $0.text != #"{"type":"ka"}"# })
        }
    }

    @Test func gw13NoKeepAliveAfterRejection() async throws {
        let clock = ManualClock()
        let hooks = HookSpy().hooks(onConnect: { _ in .reject(message: "no") })
        try await withGraphQLWSConnection(
            hooks: hooks,
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_error","payload":{"message":"no"}}"#)
            try await connection.expectClose(code: 1011)
            await clock.advance(by: .seconds(60))
            try await connection.expectEnd()
        }
    }

    @Test func gw14SecondInitReacknowledgesWithOneTimer() async throws {
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await connection.send(#"{"type":"connection_init"}"#)
            for _ in 0..<2 {
                try await connection.expect(#"{"type":"connection_ack"}"#)
                try await connection.expect(#"{"type":"ka"}"#)
            }
            await clock.advance(by: .seconds(30))
            for _ in 0..<3 {
                try await connection.expect(#"{"type":"ka"}"#)
            }
            try await connection.expectSilence()
        }
    }

    @Test func gw14SecondInitClosesWhenStrict() async throws {
        try await withGraphQLWSConnection(options: testOptions(repeatedConnectionInit: .close)) { connection in
            try await connection.initialise()
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4429, reason: "Too many initialisation requests")
            try await connection.expectEnd()
        }
    }

    @Test func gw15TerminateClosesNormallyAndEndsEverything() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            executor: executor,
            hooks: spy.hooks(),
            options: testOptions(keepAlive: .every(.seconds(10))),
            clock: clock
        ) { connection in
            try await connection.initialise()
            try await connection.expect(#"{"type":"ka"}"#)
            await connection.start(#""1""#)
            await connection.start(#""2""#)
            let first = try #require(await executor.call(0).source)
            let second = try #require(await executor.call(1).source)
            await connection.send(#"{"type":"connection_terminate"}"#)
            try await connection.expectClose(code: 1000)
            await first.waitUntilTerminated()
            await second.waitUntilTerminated()
            await clock.advance(by: .seconds(30))
            try await connection.expectEnd()
        }
        #expect(Set(spy.completed.values) == [OperationID("1"), OperationID("2")])
        #expect(spy.completed.values.count == 2)
        #expect(spy.disconnects.values.count == 1)
    }

    @Test func gw16TransportCloseCancelsEverythingAndSendsNothing() async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            await connection.start(#""2""#)
            let first = try #require(await executor.call(0).source)
            let second = try #require(await executor.call(1).source)
            connection.closeTransport()
            await first.waitUntilTerminated()
            await second.waitUntilTerminated()
            first.emit(["data": ["t": 1]])
            try await connection.expectEnd()
        }
        #expect(Set(spy.completed.values) == [OperationID("1"), OperationID("2")])
        #expect(spy.completed.values.count == 2)
        #expect(spy.disconnects.values.count == 1)
    }

    @Test func gw49InitTimeoutClosesWhenNoInitArrives() async throws {
        let clock = ManualClock()
        try await withGraphQLWSConnection(
            options: testOptions(connectionInitWaitTimeout: .seconds(10)),
            clock: clock
        ) { connection in
            await clock.advance(by: .milliseconds(9_999))
            try await connection.expectSilence()
            await clock.advance(by: .milliseconds(1))
            try await connection.expectClose(code: 4408, reason: "Connection initialisation timeout")
            try await connection.expectEnd()
        }
    }

    @Test func gw49InitReceivedInTimeDisarmsTimeoutEvenWhileConnecting() async throws {
        let clock = ManualClock()
        let gate = Gate()
        let spy = HookSpy()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withGraphQLWSConnection(
            hooks: hooks,
            options: testOptions(connectionInitWaitTimeout: .seconds(10)),
            clock: clock
        ) { connection in
            await clock.advance(by: .seconds(5))
            await connection.send(#"{"type":"connection_init"}"#)
            await spy.connects.waitForCount(1)
            await clock.advance(by: .seconds(20))
            gate.open()
            try await connection.expect(#"{"type":"connection_ack"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func gw50DefaultsLimitOperationsAndKeepAlive() async throws {
        let clock = ManualClock()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(
            executor: executor,
            options: GraphQLWSServerOptions(),
            clock: clock
        ) { connection in
            try await connection.initialise()
            try await connection.expect(#"{"type":"ka"}"#)
            for id in 1...100 {
                await connection.start(#""\#(id)""#)
            }
            _ = await executor.call(99)
            await connection.start(#""101""#)
            try await connection.expect(
                #"{"type":"error","id":"101","payload":{"message":"Subscription limit reached"}}"#
            )
            await clock.advance(by: .seconds(12))
            try await connection.expect(#"{"type":"ka"}"#)
            await clock.advance(by: .seconds(12))
            try await connection.expect(#"{"type":"ka"}"#)
            try await connection.expectSilence()
            #expect(executor.calls.count == 100)
        }
    }
}
