import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-transport-ws connection, ping and authorisation (TW-01…TW-16)")
struct GraphQLTransportWSConnectionTests {
    @Test(arguments: ["graphql-ws", nil] as [String?])
    func tw01WrongNegotiatedProtocolCloses4406(negotiated: String?) async throws {
        let spy = HookSpy()
        try await withTransportWSConnection(hooks: spy.hooks(), negotiated: negotiated) { connection in
            try await connection.expectClose(code: 4406, reason: "Subprotocol not acceptable")
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectEnd()
        }
        #expect(spy.connects.values.isEmpty)
        #expect(spy.closes.values == [.init(code: 4406, reason: "Subprotocol not acceptable")])
    }

    @Test func tw02InitIsAcknowledgedExactly() async throws {
        let spy = HookSpy()
        try await withTransportWSConnection(hooks: spy.hooks()) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            let ack = try await connection.next()
            #expect(ack.text == #"{"type":"connection_ack"}"#)
            try await connection.expectSilence()
        }
        #expect(spy.connects.values == [[:]])
    }

    @Test func tw03ConnectHookPayloadIsSentWithTheAck() async throws {
        let hooks = HookSpy().hooks(onConnect: { _ in .accept([:], acknowledgementPayload: ["itsa": "me"]) })
        try await withTransportWSConnection(hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack","payload":{"itsa":"me"}}"#)
        }
    }

    @Test func tw04ConnectHookRejectingCloses4403() async throws {
        let hooks = HookSpy().hooks(onConnect: { _ in .reject() })
        try await withTransportWSConnection(hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4403, reason: "Forbidden")
            try await connection.expectEnd()
        }
    }

    @Test(arguments: [
        ("Stop", true, "Stop"),
        (String(repeating: "x", count: 124), true, "Internal server error"),
        ("Stop", false, "Internal server error"),
    ])
    func tw05ConnectHookThrowingCloses4500(message: String, exposes: Bool, reason: String) async throws {
        let hooks = HookSpy().hooks(onConnect: { _ in throw TestError(message) })
        try await withTransportWSConnection(
            hooks: hooks,
            options: transportTestOptions(exposesInternalErrorMessages: exposes)
        ) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4500, reason: reason)
            #expect(reason.utf8.count <= 123)
        }
    }

    @Test func tw06DefaultInitTimeoutIsThreeSeconds() async throws {
        let clock = ManualClock()
        try await withTransportWSConnection(options: GraphQLTransportWSServerOptions(), clock: clock) { connection in
            await clock.advance(by: .milliseconds(2_999))
            try await connection.expectSilence()
            await clock.advance(by: .milliseconds(1))
            try await connection.expectClose(code: 4408, reason: "Connection initialisation timeout")
        }
    }

    @Test func tw07InitReceivedInTimeIsNotTimedOutWhileConnecting() async throws {
        let clock = ManualClock()
        let gate = Gate()
        let spy = HookSpy()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withTransportWSConnection(
            hooks: hooks,
            options: transportTestOptions(connectionInitWaitTimeout: .milliseconds(10)),
            clock: clock
        ) { connection in
            await clock.advance(by: .milliseconds(1))
            await connection.send(#"{"type":"connection_init"}"#)
            await spy.connects.waitForCount(1)
            await clock.advance(by: .milliseconds(19))
            gate.open()
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await clock.advance(by: .seconds(10))
            try await connection.expectSilence()
        }
    }

    @Test(arguments: [Duration.zero, nil])
    func tw08ZeroOrNoTimeoutNeverCloses(timeout: Duration?) async throws {
        let clock = ManualClock()
        try await withTransportWSConnection(
            options: transportTestOptions(connectionInitWaitTimeout: timeout),
            clock: clock
        ) { connection in
            await clock.advance(by: .seconds(3_600))
            try await connection.expectSilence()
        }
    }

    @Test func tw09SecondInitAfterAckCloses4429() async throws {
        try await withTransportWSConnection { connection in
            try await connection.initialise()
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4429, reason: "Too many initialisation requests")
        }
    }

    @Test func tw10SecondInitWhileConnectingCloses4429() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withTransportWSConnection(hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await spy.connects.waitForCount(1)
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expectClose(code: 4429, reason: "Too many initialisation requests")
            gate.open()
            try await connection.expectEnd()
        }
    }

    @Test func tw11PingIsAnsweredBeforeInit() async throws {
        try await withTransportWSConnection { connection in
            await connection.send(#"{"type":"ping"}"#)
            let pong = try await connection.next()
            #expect(pong.text == #"{"type":"pong"}"#)
            await connection.send(#"{"type":"ping","payload":{"iCome":"back"}}"#)
            try await connection.expect(#"{"type":"pong","payload":{"iCome":"back"}}"#)
            try await connection.expectSilence()
        }
    }

    @Test func tw12PongIsNotAnswered() async throws {
        try await withTransportWSConnection { connection in
            await connection.send(#"{"type":"pong"}"#)
            await connection.send(#"{"type":"pong","payload":{"a":1}}"#)
            try await connection.expectSilence()
        }
    }

    @Test func tw12PongHookReceivesThePayload() async throws {
        let spy = HookSpy()
        try await withTransportWSConnection(hooks: spy.hooks(observesPings: true)) { connection in
            try await connection.initialise()
            await connection.send(#"{"type":"pong","payload":{"a":1}}"#)
            #expect(await spy.calls.waitForCount(1) == [#"pong {"a":1}"#])
        }
    }

    @Test func tw13NullPingPayloadIsOmittedFromThePong() async throws {
        try await withTransportWSConnection { connection in
            await connection.send(#"{"type":"ping","payload":null}"#)
            let pong = try await connection.next()
            #expect(pong.text == #"{"type":"pong"}"#)
        }
    }

    @Test func tw13PingHookReplacesTheAutomaticPong() async throws {
        let spy = HookSpy()
        try await withTransportWSConnection(hooks: spy.hooks(observesPings: true)) { connection in
            await connection.send(#"{"type":"ping","payload":{"x":1}}"#)
            #expect(await spy.calls.waitForCount(1) == [#"ping {"x":1}"#])
            try await connection.initialise()
            #expect(connection.sentMessages.count == 1)
        }
    }

    @Test func tw14SubscribeBeforeInitCloses4401() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            await connection.subscribe("1")
            try await connection.expectClose(code: 4401, reason: "Unauthorized")
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func tw15SubscribeWhileConnectingCloses4401() async throws {
        let gate = Gate()
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        let hooks = spy.hooks(acceptingAfter: gate)
        try await withTransportWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            await spy.connects.waitForCount(1)
            await connection.subscribe("1")
            try await connection.expectClose(code: 4401, reason: "Unauthorized")
            gate.open()
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func tw16SubscribeRightAfterASlowAckIsAccepted() async throws {
        let executor = TestExecutor<JSONObject>()
        let server = GraphQLWebSocketServer(executor: executor, hooks: HookSpy().hooks(), graphQLTransportWS: transportTestOptions())
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        let written = Recorder<String>()
        let ackWritable = Gate()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.run(
                    send: { text in
                        written.record(text)
                        await ackWritable.wait()
                    },
                    close: { code, _ in written.record("close \(code)") }
                )
            }
            connection.receive(.text(#"{"type":"connection_init"}"#))
            await written.waitForCount(1)
            connection.receive(.text(#"{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}"#))
            let source = await executor.call(0).source
            ackWritable.open()
            source?.emit(["data": ["a": 1]])
            await written.waitForCount(2)
            connection.transportClosed()
        }
        #expect(written.values.prefix(2) == [#"{"type":"connection_ack"}"#, #"{"type":"next","id":"1","payload":{"data":{"a":1}}}"#])
    }
}
