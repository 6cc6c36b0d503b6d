import Testing

@testable import SubscriptionsTransportWS

/// The `graphql-ws` server machine driven directly, synchronously: every test feeds inputs and
/// compares the returned actions with the frames the specification gives.
@Suite("graphql-ws server state machine")
struct GraphQLWSServerStateMachineTests {
    static let initFrame = #"{"type":"connection_init","payload":{}}"#
    static let ack = #"{"type":"connection_ack"}"#
    static let keepAlive = #"{"type":"ka"}"#
    static let subscription = OperationRequest(query: "subscription { t }")

    /// Options without keep-alive, so tests that are not about it see only the frames they cause.
    static func options(
        keepAlive: GraphQLWSServerOptions.KeepAlive = .disabled,
        maxLiveOperations: Int? = nil,
        repeatedConnectionInit: GraphQLWSServerOptions.RepeatedConnectionInit = .reacknowledge,
        binaryFrames: GraphQLWSServerOptions.BinaryFrames = .decodeAsText,
        maxInboundMessageBytes: Int = 1 << 20,
        maxMessagesWhileConnecting: Int = 200,
        exposesInternalErrorMessages: Bool = true
    ) -> GraphQLWSServerOptions {
        GraphQLWSServerOptions(
            keepAlive: keepAlive,
            maxLiveOperations: maxLiveOperations,
            repeatedConnectionInit: repeatedConnectionInit,
            binaryFrames: binaryFrames,
            maxInboundMessageBytes: maxInboundMessageBytes,
            maxMessagesWhileConnecting: maxMessagesWhileConnecting,
            exposesInternalErrorMessages: exposesInternalErrorMessages
        )
    }

    static func machine(
        _ options: GraphQLWSServerOptions = options(),
        withoutInit: Bool = false
    ) -> GraphQLWSServerStateMachine {
        GraphQLWSServerStateMachine(options: options, operationsWithoutInitAllowed: withoutInit)
    }

    /// A machine whose `connection_init` was accepted.
    static func acknowledged(_ options: GraphQLWSServerOptions = options()) -> GraphQLWSServerStateMachine {
        var machine = machine(options)
        #expect(machine.received(text(initFrame)) == [.runConnectHook([:])])
        let actions = machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
        #expect(frames(actions).first == ack)
        #expect(machine.isAcknowledged)
        return machine
    }

    static func start(_ id: String, query: String = "subscription { t }") -> InboundFrame {
        text(#"{"id":"\#(id)","type":"start","payload":{"query":"\#(query)"}}"#)
    }

    static func stop(_ id: String) -> InboundFrame {
        text(#"{"id":"\#(id)","type":"stop"}"#)
    }

    // MARK: Handshake

    @Test func openingOnTheNegotiatedProtocolDoesNothing() {
        var machine = Self.machine()
        #expect(machine.opened() == [])
        #expect(!machine.isClosed)
        #expect(machine.awaitsInit)
    }

    @Test func openingOnAnotherNegotiatedProtocolCloses1002() {
        var machine = GraphQLWSServerStateMachine(options: Self.options(), operationsWithoutInitAllowed: false, negotiatedOtherProtocol: true)
        #expect(machine.opened() == [.close(code: 1002, reason: "Subprotocol not acceptable")])
        #expect(machine.isClosed)
        #expect(machine.received(text(Self.initFrame)) == [])
    }

    @Test func initRunsTheConnectHookWithItsPayloadAndSendsNothingYet() {
        var machine = Self.machine()
        #expect(
            machine.received(text(#"{"type":"connection_init","payload":{"authToken":"abc","n":1}}"#))
                == [.runConnectHook(["authToken": "abc", "n": 1])]
        )
        #expect(!machine.isAcknowledged)
        #expect(!machine.awaitsInit)
    }

    @Test(arguments: [
        #"{"type":"connection_init"}"#,
        #"{"type":"connection_init","payload":null}"#,
        #"{"type":"connection_init","id":"7","payload":{}}"#,
        #"{"type":"connection_init","payload":{},"foo":1}"#,
    ])
    func initWithoutPayloadOrWithExtraKeysIsAcknowledgedWithoutID(frame: String) {
        var machine = Self.machine()
        #expect(machine.received(text(frame)) == [.runConnectHook([:])])
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

    @Test func defaultKeepAliveSendsKaRightAfterTheAckAndStartsA12SecondTimer() {
        var machine = Self.machine(GraphQLWSServerOptions())
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [sent(Self.ack), sent(Self.keepAlive), .startKeepAlive(.seconds(12))]
        )
        #expect(machine.keepAliveTimerFired() == [sent(Self.keepAlive)])
        #expect(machine.keepAliveTimerFired() == [sent(Self.keepAlive)])
    }

    @Test func configuredKeepAliveUsesItsInterval() {
        var machine = Self.machine(Self.options(keepAlive: .every(.seconds(10))))
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [sent(Self.ack), sent(Self.keepAlive), .startKeepAlive(.seconds(10))]
        )
    }

    @Test func disabledKeepAliveSendsOnlyTheAck() {
        var machine = Self.machine(Self.options(keepAlive: .disabled))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack)])
    }

    @Test func noKeepAliveTimerStartsBeforeTheAck() {
        var machine = Self.machine(GraphQLWSServerOptions())
        #expect(machine.opened() == [])
        #expect(machine.received(text(Self.initFrame)) == [.runConnectHook([:])])
    }

    @Test func rejectionSendsConnectionErrorThenCloses1011() {
        var machine = Self.machine(GraphQLWSServerOptions())
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.rejected(message: "Prohibited connection!"))
                == [sent(#"{"type":"connection_error","payload":{"message":"Prohibited connection!"}}"#), .close(code: 1011, reason: "")]
        )
        #expect(machine.isClosed)
        #expect(!machine.isAcknowledged)
        #expect(machine.keepAliveTimerFired() == [])
    }

    @Test(arguments: [(true, "bad token"), (false, "Internal server error")])
    func failingConnectHookSendsConnectionErrorThenCloses1011(exposes: Bool, shown: String) {
        var machine = Self.machine(Self.options(exposesInternalErrorMessages: exposes))
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.failed(message: "bad token"))
                == [sent(#"{"type":"connection_error","payload":{"message":"\#(shown)"}}"#), .close(code: 1011, reason: "")]
        )
        #expect(machine.isClosed)
    }

    @Test func rejectionMessageIsEscapedInTheConnectionError() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(
            frames(machine.connectHookFinished(.rejected(message: "say \"no\"\n")))
                == [#"{"type":"connection_error","payload":{"message":"say \"no\"\n"}}"#]
        )
    }

    @Test func connectHookOutcomeWithoutAPendingInitIsIgnored() {
        var machine = Self.machine()
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
        #expect(!machine.isAcknowledged)
        var acknowledged = Self.acknowledged()
        #expect(acknowledged.connectHookFinished(.rejected(message: "late")) == [])
        #expect(!acknowledged.isClosed)
    }

    // MARK: Messages before init

    @Test func startBeforeInitCloses4401WithoutStartingIt() {
        var machine = Self.machine()
        #expect(machine.received(Self.start("1")) == [.close(code: 4401, reason: "Unauthorized")])
        #expect(machine.isClosed)
        #expect(machine.received(text(Self.initFrame)) == [])
    }

    @Test func invalidStartBeforeInitCloses4401() {
        var machine = Self.machine()
        #expect(machine.received(text(#"{"id":"1","type":"start"}"#)) == [.close(code: 4401, reason: "Unauthorized")])
    }

    @Test func startBeforeInitRunsWhenOperationsWithoutInitAreAllowed() {
        var machine = Self.machine(withoutInit: true)
        #expect(machine.received(Self.start("1")) == [.startOperation(id: OperationID("1"), run: 1, request: Self.subscription)])
        #expect(
            machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]])))
                == [sent(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)]
        )
    }

    @Test func otherMessagesBeforeInitAreAnsweredAndTheSocketStaysOpen() {
        var machine = Self.machine()
        #expect(machine.received(Self.stop("1")) == [])
        #expect(machine.received(text(#"{"type":"ka"}"#)) == [])
        #expect(machine.received(text("{}")) == [sent(#"{"type":"error","payload":{"message":"Invalid message type!"}}"#)])
        #expect(machine.received(text("null")) == [sent(#"{"type":"connection_error","payload":{"message":"Message must be a JSON object"}}"#)])
        #expect(!machine.isClosed)
        #expect(machine.awaitsInit)
        #expect(machine.received(text(Self.initFrame)) == [.runConnectHook([:])])
    }

    // MARK: Pipelining while the connect hook decides

    @Test func messagesWhileConnectingWaitForTheAckAndRunInOrder() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        #expect(machine.received(Self.start("1")) == [])
        #expect(machine.received(Self.start("2")) == [])
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [
                    sent(Self.ack),
                    .startOperation(id: OperationID("1"), run: 1, request: Self.subscription),
                    .startOperation(id: OperationID("2"), run: 2, request: Self.subscription),
                ]
        )
    }

    @Test func stopQueuedBehindTheConnectHookCancelsItsStartWithOneComplete() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        _ = machine.received(Self.start("1"))
        _ = machine.received(Self.stop("1"))
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [
                    sent(Self.ack),
                    .startOperation(id: OperationID("1"), run: 1, request: Self.subscription),
                    .cancelOperation(run: 1),
                    sent(#"{"type":"complete","id":"1"}"#),
                    .operationEnded(id: OperationID("1"), end: .stopped),
                ]
        )
        #expect(machine.operation(run: 1, produced: .completed) == [])
    }

    @Test func rejectionDropsTheMessagesThatWaitedAndStartsNoOperation() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        _ = machine.received(Self.start("1"))
        let actions = machine.connectHookFinished(.rejected(message: "Prohibited connection!"))
        #expect(startedRuns(actions) == [])
        #expect(actions.last == .close(code: 1011, reason: ""))
        #expect(frames(actions).first == #"{"type":"connection_error","payload":{"message":"Prohibited connection!"}}"#)
    }

    @Test func tooManyMessagesWhileConnectingCloses4429() {
        var machine = Self.machine(Self.options(maxMessagesWhileConnecting: 2))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.received(Self.start("1")) == [])
        #expect(machine.received(Self.start("2")) == [])
        #expect(machine.received(Self.start("3")) == [.close(code: 4429, reason: "Too many messages before connection_ack")])
        #expect(machine.isClosed)
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
    }

    @Test func messagesUpToTheLimitWhileConnectingAreAllRun() {
        var machine = Self.machine(Self.options(maxMessagesWhileConnecting: 2))
        _ = machine.received(text(Self.initFrame))
        _ = machine.received(Self.start("1"))
        _ = machine.received(Self.start("2"))
        let actions = machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
        #expect(startedRuns(actions) == [1, 2])
        #expect(!machine.isClosed)
    }

    @Test func terminateWhileConnectingCloses1000() {
        var machine = Self.machine()
        _ = machine.received(text(Self.initFrame))
        _ = machine.received(Self.start("1"))
        #expect(machine.received(text(#"{"type":"connection_terminate"}"#)) == [.close(code: 1000, reason: "")])
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [])
    }

    // MARK: Repeated init

    @Test func secondInitRunsTheHookAgainAndAcknowledgesAgainWithOneTimer() {
        var machine = Self.machine(Self.options(keepAlive: .every(.seconds(10))))
        _ = machine.received(text(Self.initFrame))
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [sent(Self.ack), sent(Self.keepAlive), .startKeepAlive(.seconds(10))]
        )
        #expect(machine.received(text(#"{"type":"connection_init","payload":{"n":2}}"#)) == [.runConnectHook(["n": 2])])
        #expect(machine.connectHookFinished(.accepted(acknowledgementPayload: nil)) == [sent(Self.ack), sent(Self.keepAlive)])
        #expect(machine.keepAliveTimerFired() == [sent(Self.keepAlive)])
    }

    @Test func secondInitKeepsLiveOperations() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        _ = machine.received(text(Self.initFrame))
        _ = machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
        #expect(frames(machine.operation(run: 1, produced: .completed)) == [#"{"type":"complete","id":"1"}"#])
    }

    @Test func secondInitCloses4429WhenConfigured() {
        var machine = Self.acknowledged(Self.options(repeatedConnectionInit: .close))
        _ = machine.received(Self.start("1"))
        #expect(
            machine.received(text(Self.initFrame))
                == [
                    .cancelOperation(run: 1),
                    .operationEnded(id: OperationID("1"), end: .stopped),
                    .close(code: 4429, reason: "Too many initialisation requests"),
                ]
        )
    }

    @Test func secondInitWhileTheHookDecidesCloses4429AfterTheAckWhenConfigured() {
        var machine = Self.machine(Self.options(repeatedConnectionInit: .close))
        _ = machine.received(text(Self.initFrame))
        #expect(machine.received(text(Self.initFrame)) == [])
        #expect(
            machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
                == [sent(Self.ack), .close(code: 4429, reason: "Too many initialisation requests")]
        )
    }

    // MARK: Operations

    @Test func startStartsTheOperationWithTheWholeRequest() {
        var machine = Self.acknowledged()
        let frame = #"""
            {"id":"1","type":"start","payload":{"query":"subscription S { t }","variables":{"a":1},"operationName":"S","extensions":{"e":true},"context":"x"}}
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
                            otherPayloadFields: ["context": "x"]
                        )
                    )
                ]
        )
    }

    @Test func resultsAreFramedAsDataThenCompletionAsComplete() {
        var machine = Self.acknowledged()
        #expect(startedRuns(machine.received(Self.start("1"))) == [1])
        #expect(
            machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]])))
                == [sent(#"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#)]
        )
        #expect(
            machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 2]]))
                == Array(#"{"type":"data","id":"1","payload":{"data":{"t":2}}}"#.utf8)
        )
        #expect(
            machine.operation(run: 1, produced: .completed)
                == [sent(#"{"type":"complete","id":"1"}"#), .operationEnded(id: OperationID("1"), end: .completed)]
        )
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 3]]))) == [])
        #expect(machine.resultFrame(run: 1, ExecutionResult(["data": ["t": 3]])) == nil)
        #expect(machine.operation(run: 1, produced: .completed) == [])
    }

    @Test func resultBytesAreSplicedUnchanged() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        let result = ExecutionResult(encodedJSON: Array(#"{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}"#.utf8))
        #expect(
            machine.operation(run: 1, produced: .result(result))
                == [sent(#"{"type":"data","id":"1","payload":{"data":{"t":null},"errors":[{"message":"E1","path":["t"]}]}}"#)]
        )
    }

    @Test func validationErrorsAreDataWithErrorsThenComplete() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        let error = GraphQLFormattedError(
            message: #"Cannot query field "x" on type "Subscription"."#,
            locations: [.init(line: 1, column: 16)]
        )
        let actions = machine.operation(run: 1, produced: .rejected([error]))
        #expect(
            parsedFrames(actions) == [
                [
                    "type": "data", "id": "1",
                    "payload": [
                        "errors": [["message": #"Cannot query field "x" on type "Subscription"."#, "locations": [["line": 1, "column": 16]]]]
                    ],
                ],
                ["type": "complete", "id": "1"],
            ]
        )
        #expect(actions.last == .operationEnded(id: OperationID("1"), end: .failed(message: error.message)))
        #expect(startedRuns(machine.received(Self.start("1"))) == [2])
    }

    /// A GraphQL response's `errors`, when present, is a non-empty list; the transport-ws machine
    /// already substitutes "Invalid request" for an empty rejection.
    @Test func rejectionWithoutErrorsStillReportsAnError() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        #expect(
            machine.operation(run: 1, produced: .rejected([]))
                == [
                    sent(#"{"type":"data","id":"1","payload":{"errors":[{"message":"Invalid request"}]}}"#),
                    sent(#"{"type":"complete","id":"1"}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "Invalid request")),
                ]
        )
    }

    @Test func requestFailureIsOneErrorWithTheFirstMessageAndNoComplete() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        let errors = [
            GraphQLFormattedError(message: "Syntax Error: Expected Name, found <EOF>.", locations: [.init(line: 1, column: 2)]),
            GraphQLFormattedError(message: "second"),
        ]
        #expect(
            machine.operation(run: 1, produced: .requestFailed(errors))
                == [
                    sent(#"{"type":"error","id":"1","payload":{"message":"Syntax Error: Expected Name, found <EOF>."}}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "Syntax Error: Expected Name, found <EOF>.")),
                ]
        )
        #expect(machine.received(Self.stop("1")) == [])
    }

    @Test(arguments: [(true, "nope"), (false, "Internal server error")])
    func executorFailureIsAnErrorFrameAndTheSocketStaysOpen(exposes: Bool, shown: String) {
        var machine = Self.acknowledged(Self.options(exposesInternalErrorMessages: exposes))
        _ = machine.received(Self.start("1"))
        #expect(
            machine.operation(run: 1, produced: .executionFailed(message: "nope"))
                == [
                    sent(#"{"type":"error","id":"1","payload":{"message":"\#(shown)"}}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "nope")),
                ]
        )
        #expect(!machine.isClosed)
        #expect(machine.operation(run: 1, produced: .completed) == [])
    }

    @Test func streamFailureAfterDataIsAnErrorWithoutCompleteAndOthersContinue() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        _ = machine.received(Self.start("2"))
        #expect(frames(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]])))).count == 1)
        #expect(
            machine.operation(run: 1, produced: .streamFailed([GraphQLFormattedError(message: "boom")]))
                == [
                    sent(#"{"type":"error","id":"1","payload":{"message":"boom"}}"#),
                    .operationEnded(id: OperationID("1"), end: .failed(message: "boom")),
                ]
        )
        #expect(machine.operation(run: 1, produced: .completed) == [])
        #expect(machine.received(Self.stop("1")) == [])
        #expect(
            machine.operation(run: 2, produced: .result(ExecutionResult(["data": ["t": 2]])))
                == [sent(#"{"type":"data","id":"2","payload":{"data":{"t":2}}}"#)]
        )
        #expect(!machine.isClosed)
    }

    @Test func streamFailureWithoutErrorsStillNamesAnError() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        #expect(
            frames(machine.operation(run: 1, produced: .streamFailed([]))) == [#"{"type":"error","id":"1","payload":{"message":"Invalid request"}}"#]
        )
    }

    @Test func stopCancelsTheRunWithExactlyOneCompleteAndNothingAfter() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        #expect(
            machine.received(Self.stop("1"))
                == [.cancelOperation(run: 1), sent(#"{"type":"complete","id":"1"}"#), .operationEnded(id: OperationID("1"), end: .stopped)]
        )
        #expect(machine.received(Self.stop("1")) == [])
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))) == [])
        #expect(machine.operation(run: 1, produced: .completed) == [])
        #expect(machine.operation(run: 1, produced: .streamFailed([GraphQLFormattedError(message: "late")])) == [])
    }

    @Test(arguments: ["nope", "toString", "__proto__"])
    func stopOfAnUnknownIDDoesNothing(id: String) {
        var machine = Self.acknowledged()
        #expect(machine.received(Self.stop(id)) == [])
        #expect(machine.received(text(#"{"type":"stop"}"#)) == [])
        #expect(!machine.isClosed)
    }

    @Test func multiplexedOperationsCarryTheirOwnIDs() {
        var machine = Self.acknowledged()
        #expect(startedRuns(machine.received(Self.start("1")) + machine.received(Self.start("2")) + machine.received(Self.start("3"))) == [1, 2, 3])
        let one = ExecutionResult(["data": ["t": 1]])
        #expect(
            frames(machine.operation(run: 2, produced: .result(one)) + machine.operation(run: 1, produced: .result(one)))
                == [#"{"type":"data","id":"2","payload":{"data":{"t":1}}}"#, #"{"type":"data","id":"1","payload":{"data":{"t":1}}}"#]
        )
        #expect(frames(machine.received(Self.stop("2"))) == [#"{"type":"complete","id":"2"}"#])
        #expect(frames(machine.operation(run: 3, produced: .result(one))) == [#"{"type":"data","id":"3","payload":{"data":{"t":1}}}"#])
    }

    @Test func startWithTheIDOfALiveOperationReplacesItSilently() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        let replacement = OperationRequest(query: "subscription { u }")
        #expect(
            machine.received(Self.start("1", query: "subscription { u }"))
                == [
                    .cancelOperation(run: 1),
                    .operationEnded(id: OperationID("1"), end: .stopped),
                    .startOperation(id: OperationID("1"), run: 2, request: replacement),
                ]
        )
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))) == [])
        #expect(machine.operation(run: 1, produced: .completed) == [])
        #expect(
            machine.operation(run: 2, produced: .result(ExecutionResult(["data": ["u": 1]])))
                == [sent(#"{"type":"data","id":"1","payload":{"data":{"u":1}}}"#)]
        )
    }

    @Test func idCanBeReusedOnceItsOperationCompleted() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        _ = machine.operation(run: 1, produced: .completed)
        #expect(machine.received(Self.start("1")) == [.startOperation(id: OperationID("1"), run: 2, request: Self.subscription)])
    }

    @Test func numericIDsAreEchoedAsNumbersAndNameTheSameOperationAsStrings() {
        var machine = Self.acknowledged()
        #expect(startedRuns(machine.received(text(#"{"id":1,"type":"start","payload":{"query":"subscription { t }"}}"#))) == [1])
        #expect(
            frames(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))))
                == [#"{"type":"data","id":1,"payload":{"data":{"t":1}}}"#]
        )
        #expect(
            machine.received(Self.stop("1"))
                == [.cancelOperation(run: 1), sent(#"{"type":"complete","id":1}"#), .operationEnded(id: OperationID("1"), end: .stopped)]
        )
    }

    @Test(arguments: [
        (#"{"id":"1","type":"start"}"#, #"{"type":"error","id":"1","payload":{"message":"Start message must have a payload object"}}"#),
        (
            #"{"id":"1","type":"start","payload":null}"#,
            #"{"type":"error","id":"1","payload":{"message":"Start message must have a payload object"}}"#
        ),
        (#"{"id":"1","type":"start","payload":{}}"#, #"{"type":"error","id":"1","payload":{"message":"Start payload must have a query string"}}"#),
        (
            #"{"id":"1","type":"start","payload":{"query":5}}"#,
            #"{"type":"error","id":"1","payload":{"message":"Start payload must have a query string"}}"#
        ),
        (
            #"{"type":"start","payload":{"query":"{ a }"}}"#,
            #"{"type":"error","payload":{"message":"Start message must have an id that is a non-empty string or an integer"}}"#
        ),
        (
            #"{"id":"","type":"start","payload":{"query":"{ a }"}}"#,
            #"{"type":"error","payload":{"message":"Start message must have an id that is a non-empty string or an integer"}}"#
        ),
    ])
    func invalidStartIsAnErrorForItsIDAndStartsNothing(frame: String, error: String) {
        var machine = Self.acknowledged()
        #expect(machine.received(text(frame)) == [sent(error)])
        #expect(machine.received(text(frame)) == [sent(error)])
        #expect(!machine.isClosed)
        #expect(startedRuns(machine.received(Self.start("9"))) == [1])
    }

    /// A `start` replaces the live operation with its id (D3), even when the new request is invalid:
    /// the `error` ends that id for the client, so the old run must not go on sending `data` for it
    /// (no frame for an id after its `error`, GW-45). Apollo's server also unsubscribes the old
    /// operation before it looks at the new payload.
    @Test func invalidStartWithTheIDOfALiveOperationStopsItBeforeTheError() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        #expect(
            machine.received(text(#"{"id":"1","type":"start","payload":{}}"#))
                == [
                    .cancelOperation(run: 1),
                    .operationEnded(id: OperationID("1"), end: .stopped),
                    sent(#"{"type":"error","id":"1","payload":{"message":"Start payload must have a query string"}}"#),
                ]
        )
        #expect(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))) == [])
        #expect(machine.received(Self.stop("1")) == [])
    }

    // MARK: Invalid messages

    @Test(arguments: [
        (#"{}"#, #"{"type":"error","payload":{"message":"Invalid message type!"}}"#),
        (#"{"type":"subscribe","id":"3","payload":{"query":"{a}"}}"#, #"{"type":"error","id":"3","payload":{"message":"Invalid message type!"}}"#),
        (#"{"type":"connection_ack"}"#, #"{"type":"error","payload":{"message":"Invalid message type!"}}"#),
        (#"{"type":"data","id":"1","payload":{}}"#, #"{"type":"error","id":"1","payload":{"message":"Invalid message type!"}}"#),
        (#"{"type":"connection_error","payload":{}}"#, #"{"type":"error","payload":{"message":"Invalid message type!"}}"#),
    ])
    func unknownTypeIsAnErrorAndTheSocketStaysOpen(frame: String, error: String) {
        var machine = Self.acknowledged()
        #expect(machine.received(text(frame)) == [sent(error)])
        #expect(!machine.isClosed)
    }

    /// GW-21 answers a client-sent `data` with `error` for its id, and GW-45 allows no frame for an
    /// id after its `error`. When the id names a live operation, both can only hold if that
    /// operation sends nothing more (or the `error` does not name it).
    @Test func unknownTypeNamingALiveOperationIsNotFollowedByItsData() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        let answer = frames(machine.received(text(#"{"type":"data","id":"1","payload":{}}"#)))
        let endsOperation = answer.contains { $0.hasPrefix(#"{"type":"error","id":"1","#) }
        let later = frames(machine.operation(run: 1, produced: .result(ExecutionResult(["data": ["t": 1]]))))
        #expect(!(endsOperation && !later.isEmpty), "error for \"1\" was followed by \(later)")
        #expect(!machine.isClosed)
    }

    @Test func clientKeepAliveIsIgnored() {
        var machine = Self.acknowledged()
        #expect(machine.received(text(#"{"type":"ka"}"#)) == [])
    }

    @Test(arguments: ["null", "[]", "42", #""x""#])
    func jsonThatIsNotAnObjectIsAConnectionError(frame: String) {
        var machine = Self.acknowledged()
        #expect(machine.received(text(frame)) == [sent(#"{"type":"connection_error","payload":{"message":"Message must be a JSON object"}}"#)])
        #expect(!machine.isClosed)
    }

    @Test func textThatIsNotJSONIsAConnectionErrorWithAMessage() throws {
        var machine = Self.machine()
        let frames = parsedFrames(machine.received(text("HI")))
        try #require(frames.count == 1)
        guard case .object(let frame) = frames[0], case .object(let payload)? = frame["payload"],
            case .string(let message)? = payload["message"]
        else {
            Issue.record("Not a connection_error with a message: \(frames)")
            return
        }
        #expect(frame["type"] == "connection_error")
        #expect(frame.keys.sorted() == ["payload", "type"])
        #expect(message.hasPrefix("Message must be JSON"))
        #expect(machine.received(text(Self.initFrame)) == [.runConnectHook([:])])
    }

    @Test func binaryFramesAreDecodedAsText() {
        var machine = Self.machine()
        #expect(machine.received(.binary(Array(#"{"type":"connection_init"}"#.utf8))) == [.runConnectHook([:])])
    }

    @Test func binaryFrameOfInvalidUTF8IsAConnectionError() {
        var machine = Self.machine()
        #expect(
            machine.received(.binary([0x7B, 0xFF, 0xFE, 0x7D]))
                == [sent(#"{"type":"connection_error","payload":{"message":"Binary message is not valid UTF-8"}}"#)]
        )
        #expect(!machine.isClosed)
    }

    @Test func binaryFramesClose1002WhenRejected() {
        var machine = Self.acknowledged(Self.options(binaryFrames: .reject))
        _ = machine.received(Self.start("1"))
        #expect(
            machine.received(.binary(Array(#"{"type":"ka"}"#.utf8)))
                == [
                    .cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped),
                    .close(code: 1002, reason: "Binary frames are not supported"),
                ]
        )
        #expect(machine.received(.binary(Array(#"{"type":"ka"}"#.utf8))) == [])
    }

    @Test(arguments: [false, true])
    func messageOverTheSizeLimitCloses1009AsTheAdaptersDo(binary: Bool) {
        let limit = Self.initFrame.utf8.count
        var machine = Self.acknowledged(Self.options(maxInboundMessageBytes: limit))
        let atLimit = #"{"type":"ka""# + String(repeating: " ", count: limit - 13) + "}"
        #expect(atLimit.utf8.count == limit)
        #expect(machine.received(text(atLimit)) == [])
        let tooLarge = #"{"type":"ka""# + String(repeating: " ", count: limit - 12) + "}"
        let frame: InboundFrame = binary ? .binary(Array(tooLarge.utf8)) : text(tooLarge)
        #expect(machine.received(frame) == [.close(code: 1009, reason: "Message too big")])
        #expect(machine.isClosed)
    }

    // MARK: Limits

    @Test func operationOverTheLimitIsRefusedWithAnErrorUntilOneEnds() {
        var machine = Self.acknowledged(Self.options(maxLiveOperations: 2))
        #expect(startedRuns(machine.received(Self.start("1")) + machine.received(Self.start("2"))) == [1, 2])
        #expect(machine.received(Self.start("3")) == [sent(#"{"type":"error","id":"3","payload":{"message":"Subscription limit reached"}}"#)])
        #expect(machine.received(Self.stop("3")) == [])
        #expect(startedRuns(machine.received(Self.start("2", query: "subscription { u }"))) == [3])
        _ = machine.received(Self.stop("1"))
        #expect(machine.received(Self.start("4")) == [.startOperation(id: OperationID("4"), run: 4, request: Self.subscription)])
        _ = machine.operation(run: 3, produced: .completed)
        #expect(startedRuns(machine.received(Self.start("5"))) == [5])
    }

    @Test func defaultLimitIs100LiveOperations() {
        var machine = Self.acknowledged(GraphQLWSServerOptions())
        for id in 1...100 {
            #expect(startedRuns(machine.received(Self.start("\(id)"))) == [UInt64(id)])
        }
        #expect(machine.received(Self.start("101")) == [sent(#"{"type":"error","id":"101","payload":{"message":"Subscription limit reached"}}"#)])
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
        #expect(!machine.awaitsInit)
        #expect(machine.initTimeoutFired() == [])
        _ = machine.connectHookFinished(.accepted(acknowledgementPayload: nil))
        #expect(machine.initTimeoutFired() == [])
        #expect(!machine.isClosed)
    }

    @Test func setupWaitsForInitTenSecondsByDefault() {
        let setup = GraphQLWSServerStateMachine.setup(
            options: GraphQLWSServerOptions(),
            hooks: ServerHooks<JSONObject>(),
            negotiatedOtherProtocol: false
        )
        #expect(setup.initWaitTimeout == .seconds(10))
        #expect(setup.outboundBudget == 1 << 20)
        #expect(setup.machine.awaitsInit)
    }

    @Test func setupAwaitsNoInitWhenOperationsRunWithoutIt() {
        var options = GraphQLWSServerOptions()
        options.allowOperationsWithoutInit = true
        let setup = GraphQLWSServerStateMachine.setup(options: options, hooks: ServerHooks<JSONObject>(), negotiatedOtherProtocol: false)
        #expect(setup.initWaitTimeout == nil)
        var machine = setup.machine
        #expect(startedRuns(machine.received(Self.start("1"))) == [1])
    }

    @Test func setupRefusesOperationsWithoutInitWhenTheApplicationGivesNoContext() {
        var options = GraphQLWSServerOptions()
        options.allowOperationsWithoutInit = true
        let hooks = ServerHooks<JSONObject>(onConnect: { .accept($0) })
        let setup = GraphQLWSServerStateMachine.setup(options: options, hooks: hooks, negotiatedOtherProtocol: false)
        #expect(setup.initWaitTimeout == .seconds(10))
        var machine = setup.machine
        #expect(machine.received(Self.start("1")) == [.close(code: 4401, reason: "Unauthorized")])
    }

    // MARK: Ending

    @Test func terminateStopsEveryOperationAndCloses1000() {
        var machine = Self.acknowledged(GraphQLWSServerOptions())
        _ = machine.received(Self.start("1"))
        _ = machine.received(Self.start("2"))
        #expect(
            machine.received(text(#"{"type":"connection_terminate"}"#))
                == [
                    .cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped),
                    .cancelOperation(run: 2), .operationEnded(id: OperationID("2"), end: .stopped),
                    .close(code: 1000, reason: ""),
                ]
        )
        #expect(machine.isClosed)
        expectNothingAfterClose(&machine)
    }

    @Test func transportClosedStopsEveryOperationAndSendsNothing() {
        var machine = Self.acknowledged(GraphQLWSServerOptions())
        _ = machine.received(Self.start("1"))
        _ = machine.received(Self.start("2"))
        _ = machine.received(Self.stop("1"))
        #expect(
            machine.transportClosed()
                == [.cancelOperation(run: 2), .operationEnded(id: OperationID("2"), end: .stopped), .finish]
        )
        expectNothingAfterClose(&machine)
    }

    @Test func hostCloseStopsEveryOperationAndClosesWithTheHostsCode() {
        var machine = Self.acknowledged()
        _ = machine.received(Self.start("1"))
        #expect(
            machine.closeForHost(code: 1001, reason: "Going away")
                == [.cancelOperation(run: 1), .operationEnded(id: OperationID("1"), end: .stopped), .close(code: 1001, reason: "Going away")]
        )
        expectNothingAfterClose(&machine)
    }

    @Test func transportClosedBeforeAnyInitJustFinishes() {
        var machine = Self.machine()
        #expect(machine.transportClosed() == [.finish])
        #expect(machine.initTimeoutFired() == [])
    }

    /// Every input of a closed machine produces nothing: no frame, no operation, no second close.
    private func expectNothingAfterClose(_ machine: inout GraphQLWSServerStateMachine, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(machine.isClosed, sourceLocation: sourceLocation)
        for frame in [text(Self.initFrame), Self.start("1"), Self.start("3"), Self.stop("2"), text("{}"), text("HI"), .binary([0xFF])] {
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
