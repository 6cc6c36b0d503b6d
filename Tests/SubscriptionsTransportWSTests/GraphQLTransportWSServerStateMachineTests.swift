import Testing

@testable import SubscriptionsTransportWS

/// The `graphql-transport-ws` server machine driven directly, synchronously: every test feeds inputs
/// and compares the returned actions with the frames and closes the specification gives.
@Suite("graphql-transport-ws server state machine")
struct GraphQLTransportWSServerStateMachineTests {
    static let initFrame = #"{"type":"connection_init"}"#
    static let ack = #"{"type":"connection_ack"}"#
    static let invalid = ServerAction.close(code: 4400, reason: "Invalid message received")
    static let subscription = OperationRequest(query: "subscription { t }")

    static func machine(
        _ options: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions(),
        onPing: Bool = false,
        onPong: Bool = false
    ) -> GraphQLTransportWSServerStateMachine {
        GraphQLTransportWSServerStateMachine(options: options, pingHooks: (onPing, onPong))
    }

    /// A machine whose `connection_init` was accepted.
    static func acknowledged(
        _ options: GraphQLTransportWSServerOptions = GraphQLTransportWSServerOptions()
    ) -> GraphQLTransportWSServerStateMachine {
        var machine = machine(options)
        #expect(machine.received(text(initFrame)) == [.runConnectHook([:])])
        #expect(frames(machine.connectHookFinished(.accepted(acknowledgementPayload: nil))) == [ack])
        #expect(machine.isAcknowledged)
        return machine
    }

    static func subscribe(_ id: String, query: String = "subscription { t }") -> InboundFrame {
        text(#"{"id":"\#(id)","type":"subscribe","payload":{"query":"\#(query)"}}"#)
    }

    static func complete(_ id: String) -> InboundFrame {
        text(#"{"id":"\#(id)","type":"complete"}"#)
    }

    static func options(
        maxLiveOperations: Int? = 100,
        pingInterval: Duration? = nil,
        acceptsBinaryFrames: Bool = true,
        exposesInternalErrorMessages: Bool = true,
        maxInboundMessageBytes: Int = 1 << 20
    ) -> GraphQLTransportWSServerOptions {
        GraphQLTransportWSServerOptions(
            maxLiveOperations: maxLiveOperations,
            pingInterval: pingInterval,
            acceptsBinaryFrames: acceptsBinaryFrames,
            exposesInternalErrorMessages: exposesInternalErrorMessages,
            maxInboundMessageBytes: maxInboundMessageBytes
        )
    }

    // MARK: Handshake

    @Test func openingOnTheNegotiatedProtocolDoesNothing() {
        var machine = Self.machine()
        #expect(machine.opened() == [])
        #expect(machine.awaitsInit)
    }

    @Test func openingOnAnotherNegotiatedProtocolCloses4406() {
        var machine = GraphQLTransportWSServerStateMachine(
            options: GraphQLTransportWSServerOptions(),
            pingHooks: (false, false),
            negotiatedOtherProtocol: true
        )
        #expect(machine.opened() == [.close(code: 4406, reason: "Subprotocol not acceptable")])
        #expect(machine.received(text(Self.initFrame)) == [])
    }

    @Test(
        arguments: [
            (#"{"type":"connection_init"}"#, [:]),
            (#"{"type":"connection_init","payload":null}"#, [:]),
            (#"{"type":"connection_init","payload":{"authToken":"abc","n":1}}"#, ["authToken": "abc", "n": 1]),
        ] as [(String, JSONObject)]
    )
    func initRunsTheConnectHookWithItsPayload(frame: String, payload: JSONObject) {
        var machine = Self.machine()
        #expect(machine.received(text(frame)) == [.runConnectHook(payload)])
        #expect(!machine.isAcknowledged)
        #expect(!machine.awaitsInit)
    }

    @Test func acceptanceSendsThePlainAck() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack)])
        #expect(machine.isAcknowledged)
    }

    @Test func acknowledgementCarriesTheConnectHookPayload() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: ["itsa": "me"]))
                == [sent(#"{"type":"connection_ack","payload":{"itsa":"me"}}"#)]
        )
    }

    @Test func rejectionCloses4403WithoutAFrame() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.rejected(message: "Prohibited connection!")) == [.close(code: 4403, reason: "Forbidden")])
        #expect(machine.isClosed)
        #expect(!machine.isAcknowledged)
    }

    @Test(arguments: [
        ("Stop", true, "Stop"),
        (String(repeating: "x", count: 123), true, String(repeating: "x", count: 123)),
        (String(repeating: "x", count: 124), true, "Internal server error"),
        (String(repeating: "é", count: 62), true, "Internal server error"),
        (String(repeating: "é", count: 61), true, String(repeating: "é", count: 61)),
        ("Stop", false, "Internal server error"),
    ])
    func failingConnectHookCloses4500WithAReasonOfAtMost123Bytes(message: String, exposes: Bool, reason: String) {
        var machine = Self.machine(Self.options(exposesInternalErrorMessages: exposes))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.failed(message: message)) == [.close(code: 4500, reason: reason)])
        #expect(reason.utf8.count <= 123)
    }

    @Test func secondInitAfterTheAckCloses4429() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        #expect(
            machine.received(text(Self.initFrame))
                == [
                    .cancelOperation(run: 1),
                    .operationEnded(id: OperationID("1"), end: .stopped),
                    .close(code: 4429, reason: "Too many initialisation requests"),
                ]
        )
    }

    @Test func secondInitWhileTheHookDecidesCloses4429() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.received(text(Self.initFrame)) == [.close(code: 4429, reason: "Too many initialisation requests")])
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
    }

    @Test func connectHookOutcomeWithoutAPendingInitIsIgnored() {
        var machine = Self.machine()
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
        #expect(!machine.isAcknowledged)
        var acknowledged = Self.acknowledged()
        #expect(acknowledged.connectHookFinished(.failed(message: "late")) == [])
        #expect(!acknowledged.isClosed)
    }

    // MARK: Authorisation

    @Test func subscribeBeforeInitCloses4401() {
        var machine = Self.machine()
        #expect(machine.received(Self.subscribe("1")) == [.close(code: 4401, reason: "Unauthorized")])
        #expect(machine.isClosed)
    }

    @Test func subscribeWhileTheHookDecidesCloses4401() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.received(Self.subscribe("1")) == [.close(code: 4401, reason: "Unauthorized")])
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
    }

    @Test func subscribeRightAfterTheAckIsAccepted() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        _ = machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
        #expect(machine.received(Self.subscribe("1")) == [.startOperation(id: OperationID("1"), run: 1, request: Self.subscription)])
    }

    @Test func completeBeforeInitDoesNothing() {
        var machine = Self.machine()
        #expect(machine.received(Self.complete("1")) == [])
        #expect(!machine.isClosed)
    }

    // MARK: Ping and pong

    @Test(arguments: [
        (#"{"type":"ping"}"#, #"{"type":"pong"}"#),
        (#"{"type":"ping","payload":null}"#, #"{"type":"pong"}"#),
        (#"{"type":"ping","payload":{"iCome":"back"}}"#, #"{"type":"pong","payload":{"iCome":"back"}}"#),
    ])
    func pingIsAnsweredWithPongAtOnceEvenBeforeInit(ping: String, pong: String) {
        var fresh = Self.machine()
        #expect(fresh.received(text(ping)) == [sent(pong)])
        #expect(!fresh.isClosed)
        var connecting = Self.machine()
        _ = connecting.received(text(Self.initFrame))
        #expect(connecting.received(text(ping)) == [sent(pong)])
        var acknowledged = Self.acknowledged()
        #expect(acknowledged.received(text(ping)) == [sent(pong)])
    }

    @Test func pingGoesToTheHookInsteadOfAnAutomaticPong() {
        var machine = Self.machine(onPing: true)
        #expect(machine.received(text(#"{"type":"ping","payload":{"a":1}}"#)) == [.notifyPing(["a": 1])])
        #expect(machine.received(text(#"{"type":"ping"}"#)) == [.notifyPing(nil)])
    }

    @Test func pongIsIgnoredOrGivenToTheHook() {
        var machine = Self.machine()
        #expect(machine.received(text(#"{"type":"pong"}"#)) == [])
        #expect(machine.received(text(#"{"type":"pong","payload":{"a":1}}"#)) == [])
        #expect(!machine.isClosed)
        var observed = Self.machine(onPong: true)
        #expect(observed.received(text(#"{"type":"pong","payload":{"a":1}}"#)) == [.notifyPong(["a": 1])])
    }

    @Test func serverPingsStartAfterTheAckWhenConfigured() {
        var machine = Self.machine(Self.options(pingInterval: .seconds(5)))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack), .startKeepAlive(.seconds(5))])
        #expect(machine.keepAliveTimerFired() == [sent(#"{"type":"ping"}"#)])
    }

    @Test(arguments: [nil, Duration.zero])
    func noServerPingsByDefaultOrWithAZeroInterval(interval: Duration?) {
        var machine = Self.machine(Self.options(pingInterval: interval))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack)])
    }

    // MARK: Init timeout

    @Test func initTimeoutCloses4408WithoutInit() {
        var machine = Self.machine()
        #expect(machine.initTimeoutFired() == [.close(code: 4408, reason: "Connection initialisation timeout")])
        #expect(machine.isClosed)
        #expect(machine.received(text(Self.initFrame)) == [])
    }

    @Test func initTimeoutDoesNothingOnceInitArrivedEvenWhileTheHookDecides() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.initTimeoutFired() == [])
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack)])
        #expect(machine.initTimeoutFired() == [])
        #expect(!machine.isClosed)
    }

    @Test func setupWaitsThreeSecondsForInitByDefault() {
        let setup = GraphQLTransportWSServerStateMachine.setup(
            options: GraphQLTransportWSServerOptions(),
            hooks: ServerHooks<JSONObject>(),
            negotiatedOtherProtocol: false
        )
        #expect(setup.initWaitTimeout == .seconds(3))
        #expect(setup.outboundBudget == 1 << 20)
        var machine = setup.machine
        #expect(machine.received(text(#"{"type":"ping"}"#)) == [sent(#"{"type":"pong"}"#)])
    }

    @Test func setupGivesPingsToTheHooksTheApplicationSet() {
        let hooks = ServerHooks<JSONObject>(onConnect: { .accept($0) }, onPing: { _ in }, onPong: { _ in })
        var machine = GraphQLTransportWSServerStateMachine.setup(
            options: GraphQLTransportWSServerOptions(),
            hooks: hooks,
            negotiatedOtherProtocol: false
        )
        .machine
        #expect(machine.received(text(#"{"type":"ping"}"#)) == [.notifyPing(nil)])
        #expect(machine.received(text(#"{"type":"pong"}"#)) == [.notifyPong(nil)])
    }

    // MARK: Invalid messages

    static let invalidMessages = [
        "not json", "[]", "0", #""x""#, "null", "{}", #"{"type":""}"#, #"{"type":0}"#, #"{"type":"nuxt"}"#,
        #"{"type":"connection_init","payload":""}"#, #"{"type":"connection_init","payload":0}"#, #"{"type":"ping","payload":0}"#,
        #"{"type":"pong","payload":[]}"#, #"{"type":"subscribe"}"#, #"{"id":"","type":"subscribe","payload":{"query":"{a}"}}"#,
        #"{"id":0,"type":"subscribe","payload":{"query":"{a}"}}"#, #"{"id":"1","type":"subscribe"}"#,
        #"{"id":"1","type":"subscribe","payload":[]}"#, #"{"id":"1","type":"subscribe","payload":{}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":0}}"#, #"{"id":"1","type":"subscribe","payload":{"query":"{a}","variables":""}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":"{a}","operationName":0}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":"{a}","extensions":""}}"#, #"{"type":"complete"}"#,
        #"{"id":"","type":"complete"}"#, #"{"id":0,"type":"complete"}"#,
        // The other protocol's messages.
        #"{"type":"start","id":"1","payload":{"query":"{a}"}}"#, #"{"type":"stop","id":"1"}"#, #"{"type":"connection_terminate"}"#,
        #"{"type":"ka"}"#,
        // Messages only a server sends.
        #"{"id":"1","type":"next","payload":{}}"#, #"{"type":"connection_ack"}"#, #"{"id":"1","type":"error","payload":[{"message":"x"}]}"#,
    ]

    @Test(arguments: invalidMessages)
    func invalidMessageStopsEverythingAndCloses4400(frame: String) {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("live"))
        #expect(machine.received(text(frame)) == [.cancelOperation(run: 1), .operationEnded(id: OperationID("live"), end: .stopped), Self.invalid])
        #expect(machine.isClosed)
        #expect(machine.received(Self.subscribe("2")) == [])
    }

    @Test(arguments: invalidMessages)
    func invalidMessageBeforeInitCloses4400(frame: String) {
        var machine = Self.machine()
        #expect(machine.received(text(frame)) == [Self.invalid])
    }

    @Test func nullishOptionalsAreValid() {
        var machine = Self.acknowledged()
        #expect(
            machine.received(
                text(#"{"id":"1","type":"subscribe","payload":{"query":"{ a }","variables":null,"operationName":null,"extensions":null}}"#)
            ) == [.startOperation(id: OperationID("1"), run: 1, request: OperationRequest(query: "{ a }"))]
        )
    }

    @Test func binaryFrameIsDecodedAsText() {
        var machine = Self.machine()
        #expect(machine.received(.binary(Array(Self.initFrame.utf8))) == [.runConnectHook([:])])
    }

    @Test func binaryFrameCloses4400WhenRejectedOrNotUTF8() {
        var rejecting = Self.machine(Self.options(acceptsBinaryFrames: false))
        #expect(rejecting.received(.binary(Array(Self.initFrame.utf8))) == [Self.invalid])
        var lenient = Self.machine()
        #expect(lenient.received(.binary([0x7B, 0xFF, 0x7D])) == [Self.invalid])
    }

    @Test func messageOverTheSizeLimitCloses1009AsTheAdaptersDo() {
        let limit = #"{"type":"ping"}"#.utf8.count
        let tooBig = ServerAction.close(code: 1009, reason: "Message too big")
        var machine = Self.machine(Self.options(maxInboundMessageBytes: limit))
        #expect(machine.received(text(#"{"type":"ping"}"#)) == [sent(#"{"type":"pong"}"#)])
        #expect(machine.received(text(#"{"type":"ping" }"#)) == [tooBig])
        var binary = Self.machine(Self.options(maxInboundMessageBytes: limit))
        #expect(binary.received(.binary(Array(#"{"type":"ping" }"#.utf8))) == [tooBig])
    }

    // MARK: Operations

    @Test func subscribeStartsTheOperationWithTheWholeRequest() {
        var machine = Self.acknowledged()
        let frame = #"""
            {"id":"1","type":"subscribe","payload":{"query":"subscription S { t }","variables":{"a":1},"operationName":"S","extensions":{"e":true},"x":2}}
            """#
        #expect(
            machine.received(text(frame))
                == [
                    .startOperation(
                        id: OperationID("1"),
                        run: 1,
                        request: OperationRequest(
                            query: "subscription S { t }",
                            variables: ["a": 1],
                            operationName: "S",
                            extensions: ["e": true],
                            otherPayloadFields: ["x": 2]
                        )
                    )
                ]
        )
    }

    @Test func resultsAreFramedAsNextThenCompletionAsComplete() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        for value in 1...3 {
            #expect(
                machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": .integer(value)]])))
                    == [sent(#"{"type":"next","id":"1","payload":{"data":{"t":\#(value)}}}"#)]
            )
        }
        #expect(
            machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 4]])) == Array(#"{"type":"next","id":"1","payload":{"data":{"t":4}}}"#.utf8)
        )
        #expect(
            machine.operation(run: 1, produced: .completed)
                == [sent(#"{"type":"complete","id":"1"}"#), .operationEnded(id: OperationID("1"), end: .completed)]
        )
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 5]]))) == [])
        #expect(machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 5]])) == nil)
        #expect(machine.operation(run: 1, produced: .completed) == [])
    }

    @Test func resultFramesCarryLongAndEscapedIdsAsTheClientSentThem() {
        var machine = Self.acknowledged()
        // Longer than a string's inline storage (15 bytes), with characters that JSON escapes.
        let id = #"a \"quoted\" id, longer than fifteen bytes: é"#
        _ = machine.received(Self.subscribe(id))
        #expect(
            machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 1]]))
                == Array(#"{"type":"next","id":"\#(id)","payload":{"data":{"t":1}}}"#.utf8)
        )
        _ = machine.received(Self.subscribe("é"))
        #expect(
            machine.resultFrame(run: 2, ExecutionResult(["data": ["t": 2]])) == Array(#"{"type":"next","id":"é","payload":{"data":{"t":2}}}"#.utf8)
        )
    }

    @Test func resultWithErrorsIsOneNextWithBothKeys() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        let result = ExecutionResult(encodedJSON: Array(#"{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}"#.utf8))
        #expect(
            machine.operation(run: 1, produced: .result(result))
                == [sent(#"{"type":"next","id":"1","payload":{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}}"#)]
        )
        #expect(!machine.isClosed)
    }

    @Test func validationErrorsAreOneErrorWithTheWholeListAndTheIDIsReusable() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        let errors = [
            GraphQLFormattedError(message: #"Cannot query field "testNumber" on type "Query"."#, locations: [.init(line: 2, column: 15)]),
            GraphQLFormattedError(message: #"Cannot query field "testBoolean" on type "Query"."#, locations: [.init(line: 3, column: 15)]),
        ]
        let actions = machine.operation(run: 1, produced: .rejected(errors))
        #expect(
            parsedFrames(actions) == [
                [
                    "type": "error", "id": "1",
                    "payload": [
                        ["message": #"Cannot query field "testNumber" on type "Query"."#, "locations": [["line": 2, "column": 15]]],
                        ["message": #"Cannot query field "testBoolean" on type "Query"."#, "locations": [["line": 3, "column": 15]]],
                    ],
                ]
            ]
        )
        #expect(actions.last == .operationEnded(id: OperationID("1"), end: .failed(message: errors[0].message)))
        #expect(!machine.isClosed)
        #expect(machine.received(Self.subscribe("1")) == [.startOperation(id: OperationID("1"), run: 2, request: Self.subscription)])
    }

    @Test func requestFailureIsAnErrorFrame() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        #expect(
            machine.operation(run: 1, produced: .requestFailed([GraphQLFormattedError(message: "Unable to identify operation")]))
                == [
                    sent(#"{"type":"error","id":"1","payload":[{"message":"Unable to identify operation"}]}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "Unable to identify operation")),
                ]
        )
    }

    @Test(arguments: [
        OperationOutput.rejected([]), .requestFailed([]), .streamFailed([]),
    ])
    func errorFrameIsNeverAnEmptyList(output: OperationOutput) {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        #expect(
            machine.operation(run: 1, produced: output)
                == [
                    sent(#"{"type":"error","id":"1","payload":[{"message":"Invalid request"}]}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "Invalid request")),
                ]
        )
    }

    @Test func streamFailureIsAnErrorWithoutCompleteAndTheSocketStaysOpen() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        _ = machine.received(Self.subscribe("2"))
        _ = machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]])))
        #expect(
            machine.operation(run: 1, produced: .streamFailed([GraphQLFormattedError(message: "Subscribe Kaboom!")]))
                == [
                    sent(#"{"type":"error","id":"1","payload":[{"message":"Subscribe Kaboom!"}]}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "Subscribe Kaboom!")),
                ]
        )
        #expect(machine.operation(run: 1, produced: .completed) == [])
        #expect(!machine.isClosed)
        #expect(
            machine.operation(run: 2, produced: .result(ExecutionResult(["data": ["t": 2]])))
                == [sent(#"{"type":"next","id":"2","payload":{"data":{"t":2}}}"#)]
        )
    }

    @Test(arguments: [
        ("The GraphQL schema is not provided", true, "The GraphQL schema is not provided"),
        (String(repeating: "x", count: 124), true, "Internal server error"),
        ("The GraphQL schema is not provided", false, "Internal server error"),
    ])
    func executorFailureCloses4500AndStopsEveryOperation(message: String, exposes: Bool, reason: String) {
        var machine = Self.acknowledged(Self.options(exposesInternalErrorMessages: exposes))
        _ = machine.received(Self.subscribe("1"))
        _ = machine.received(Self.subscribe("2"))
        #expect(
            machine.operation(run: 2, produced: .executionFailed(message: message))
                == [
                    .operationEnded(id: OperationID("2"), end: .failed(message: message)),
                    .cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped),
                    .close(code: 4500, reason: reason),
                ]
        )
        #expect(machine.isClosed)
    }

    @Test func clientCompleteStopsTheOperationWithoutAFrame() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        #expect(machine.received(Self.complete("1")) == [.cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped)])
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))) == [])
        #expect(machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 1]])) == nil)
        #expect(machine.operation(run: 1, produced: .completed) == [])
        #expect(machine.operation(run: 1, produced: .rejected([GraphQLFormattedError(message: "late")])) == [])
        #expect(machine.operation(run: 1, produced: .executionFailed(message: "late")) == [])
        #expect(!machine.isClosed)
    }

    @Test func clientCompleteForAnUnknownOrFinishedIDDoesNothing() {
        var machine = Self.acknowledged()
        #expect(machine.received(Self.complete("nope")) == [])
        _ = machine.received(Self.subscribe("1"))
        _ = machine.operation(run: 1, produced: .completed)
        #expect(machine.received(Self.complete("1")) == [])
        _ = machine.received(Self.subscribe("2"))
        _ = machine.received(Self.complete("2"))
        #expect(machine.received(Self.complete("2")) == [])
        #expect(!machine.isClosed)
    }

    @Test func duplicateIDOfALiveOperationCloses4409() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("not-unique"))
        #expect(
            machine.received(Self.subscribe("not-unique"))
                == [
                    .cancelOperation(run: 1),
                    .operationEnded(id: OperationID("not-unique"), end: .stopped),
                    .close(code: 4409, reason: "Subscriber for not-unique already exists"),
                ]
        )
    }

    @Test func duplicateIDCloseNamesTheWholeIDTheQueueCutsIt() throws {
        // The machine names the id whole; the outbound queue cuts every close reason to 123 bytes
        // (CloseReasonTests), so a long id is not replaced by "Internal server error".
        var machine = Self.acknowledged()
        let id = String(repeating: "é", count: 60)
        _ = machine.received(Self.subscribe(id))
        let actions = machine.received(Self.subscribe(id))
        guard case .close(let code, let reason)? = actions.last else {
            Issue.record("No close: \(actions)")
            return
        }
        #expect(code == 4409)
        #expect(reason == "Subscriber for \(id) already exists")
    }

    @Test func idIsReusableAfterCompleteErrorAndClientComplete() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        _ = machine.operation(run: 1, produced: .completed)
        #expect(startedRuns(machine.received(Self.subscribe("1"))) == [2])
        _ = machine.operation(run: 2, produced: .streamFailed([GraphQLFormattedError(message: "x")]))
        #expect(startedRuns(machine.received(Self.subscribe("1"))) == [3])
        _ = machine.received(Self.complete("1"))
        #expect(startedRuns(machine.received(Self.subscribe("1"))) == [4])
        #expect(!machine.isClosed)
    }

    // MARK: Limits

    @Test func operationOverTheLimitGetsAnErrorAndTheIDIsUsableOnceOneEnds() {
        var machine = Self.acknowledged(Self.options(maxLiveOperations: 2))
        _ = machine.received(Self.subscribe("1"))
        _ = machine.received(Self.subscribe("2"))
        #expect(machine.received(Self.subscribe("3")) == [sent(#"{"type":"error","id":"3","payload":[{"message":"Subscription limit reached"}]}"#)])
        #expect(!machine.isClosed)
        _ = machine.operation(run: 1, produced: .completed)
        #expect(machine.received(Self.subscribe("3")) == [.startOperation(id: OperationID("3"), run: 3, request: Self.subscription)])
    }

    @Test func defaultLimitIs100LiveOperations() {
        var machine = Self.acknowledged()
        for id in 1...100 {
            #expect(startedRuns(machine.received(Self.subscribe("\(id)"))) == [UInt64(id)])
        }
        #expect(
            machine.received(Self.subscribe("101")) == [sent(#"{"type":"error","id":"101","payload":[{"message":"Subscription limit reached"}]}"#)]
        )
        _ = machine.received(Self.complete("7"))
        #expect(startedRuns(machine.received(Self.subscribe("101"))) == [101])
    }

    // MARK: Ending

    @Test func transportClosedStopsEveryOperationAndSendsNothing() {
        var machine = Self.acknowledged(Self.options(pingInterval: .seconds(5)))
        _ = machine.received(Self.subscribe("1"))
        _ = machine.received(Self.subscribe("2"))
        #expect(
            machine.transportClosed()
                == [
                    .cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped),
                    .cancelOperation(run: 2), .operationEnded(id: OperationID("2"), end: .stopped),
                    .finish,
                ]
        )
        expectNothingAfterClose(&machine)
    }

    @Test func hostCloseStopsEveryOperationAndClosesWithTheHostsCode() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        #expect(
            machine.closeForHost(code: 1001, reason: "Going away")
                == [.cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped), .close(code: 1001, reason: "Going away")]
        )
        expectNothingAfterClose(&machine)
    }

    @Test func transportClosedWhileTheHookDecidesJustFinishes() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.transportClosed() == [.finish])
        expectNothingAfterClose(&machine)
    }

    @Test func everyInputAfterAServerCloseIsIgnored() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.subscribe("1"))
        _ = machine.received(text("not json"))
        expectNothingAfterClose(&machine)
    }

    /// Every input of a closed machine produces nothing: no frame, no operation, no second close.
    private func expectNothingAfterClose(
        _ machine: inout GraphQLTransportWSServerStateMachine,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(machine.isClosed, sourceLocation: sourceLocation)
        let inputs = [
            text(Self.initFrame), text(#"{"type":"ping"}"#), text(#"{"type":"pong"}"#), Self.subscribe("1"), Self.subscribe("3"),
            Self.complete("2"), text("not json"), .binary([0xFF]),
        ]
        for frame in inputs {
            #expect(machine.received(frame) == [], sourceLocation: sourceLocation)
        }
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [], sourceLocation: sourceLocation)
        for run: UInt64 in [1, 2, 3] {
            #expect(machine.operation(run: run, produced: .result(ExecutionResult(["data": ["t": 1]]))) == [], sourceLocation: sourceLocation)
            #expect(machine.resultFrame(run: run, ExecutionResult(["data": ["t": 1]])) == nil, sourceLocation: sourceLocation)
            #expect(machine.operation(run: run, produced: .completed) == [], sourceLocation: sourceLocation)
            #expect(machine.operation(run: run, produced: .executionFailed(message: "late")) == [], sourceLocation: sourceLocation)
        }
        #expect(machine.keepAliveTimerFired() == [], sourceLocation: sourceLocation)
        #expect(machine.initTimeoutFired() == [], sourceLocation: sourceLocation)
        #expect(machine.closeForHost(code: 1001, reason: "Going away") == [], sourceLocation: sourceLocation)
        #expect(machine.transportClosed() == [], sourceLocation: sourceLocation)
    }
}
