@testable import SubscriptionsTransportWS

/// Drives one protocol state machine the way `ServerConnection` does (timers on a manual clock, the
/// connect hook and operations answering when the program says so) and checks, after every input,
/// the ordering invariants of GW-45 and the closing rules of GW-46:
///
/// * every frame is a JSON object of a server type; a frame for an operation belongs to a live run of
///   that id, and nothing follows a run's terminal frame (`complete`/`error`): at most one per run;
/// * `connection_ack` precedes every operation frame, keep-alive and operation start (unless
///   operations may run without init);
/// * a run is started once, ended once, and no run is left live once the connection closes;
/// * after `close`/`finish` no input produces any action, and `close`/`finish` is the last action.
struct MachineHarness {
    private struct Run {
        let key: String
        var live = true
        var terminalFrames = 0
    }

    private var machine: any ServerStateMachine
    private let rules: ProtocolRules
    /// Whether operations need the acknowledgement (false when `graphql-ws` runs them without init).
    private let operationsNeedAck: Bool
    private(set) var trace: [String] = []

    private var acked = false
    private(set) var closed = false
    private var hooksPending = 0
    private var runs: [UInt64: Run] = [:]
    private var runOrder: [UInt64] = []
    private var liveByKey: [String: UInt64] = [:]
    private var cancelledAwaitingEnd: Set<UInt64> = []
    private var lastRun: UInt64 = 0
    private var results = 0

    // The manual clock, in milliseconds, and the timers the driver would have running.
    private var now: Int64 = 0
    private var initDeadline: Int64?
    private var keepAlive: (next: Int64, interval: Int64)?

    init(setup: ConnectionSetup, rules: ProtocolRules, operationsNeedAck: Bool) {
        machine = setup.machine
        self.rules = rules
        self.operationsNeedAck = operationsNeedAck
        if let timeout = setup.initWaitTimeout, timeout > .zero {
            initDeadline = Self.milliseconds(timeout)
        }
        feed("opened") { $0.opened() }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Runs a whole program.
    mutating func run(_ reader: inout ByteReader) {
        var steps = 0
        while !reader.isAtEnd, steps < 400 {
            step(&reader)
            steps += 1
        }
        // Whatever the program did, a closing transport leaves nothing running.
        feed("transportClosed (end of program)") { $0.transportClosed() }
    }

    /// Feeds the client frame a program chooses from the protocol's dictionary.
    mutating func receiveFromDictionary(_ reader: inout ByteReader) {
        let template = reader.element(rules.clientFrames)
        let text = template.replacing("ID", with: reader.element(operationIDs))
        let binary = reader.choice(8) == 0
        let frame: InboundFrame = binary ? .binary(Array(text.utf8)) : .text(text)
        feed("receive \(binary ? "binary" : "text") \(text)") { $0.received(frame) }
    }

    /// Feeds one frame, as the host does with each inbound WebSocket message.
    @discardableResult
    mutating func receive(_ frame: InboundFrame, _ description: String) -> [ServerAction] {
        feed(description) { $0.received(frame) }
    }

    /// Acknowledges a `connection_init` the program sent (the connect hook accepts).
    mutating func acceptPendingConnectHook() {
        guard hooksPending > 0 else { return }
        hooksPending -= 1
        feed("connect hook accepts") { $0.connectHookFinished(.accepted(acknowledgementPayload: nil)) }
    }

    mutating func step(_ reader: inout ByteReader) {
        switch reader.choice(16) {
        case 0...6:
            receiveFromDictionary(&reader)
        case 7:
            let bytes = reader.string()
            if reader.choice(2) == 0, let text = String(validating: bytes, as: UTF8.self) {
                feed("receive text \(bytes)") { $0.received(.text(text)) }
            } else {
                feed("receive binary \(bytes)") { $0.received(.binary(bytes)) }
            }
        case 8, 9:
            connectHookFinishes(&reader)
        case 10...12:
            operationProduces(&reader)
        case 13, 14:
            advanceClock(by: reader.element([1, 10, 999, 1000, 2999, 3000, 9999, 10000, 12000, 60000]))
        default:
            switch reader.choice(4) {
            case 0:
                feed("transportClosed") { $0.transportClosed() }
            case 1:
                feed("closeForHost 1001") { $0.closeForHost(code: 1001, reason: "Server is shutting down") }
            case 2:
                // Timers and hooks whose tasks were cancelled may still get through once; a closed
                // machine ignores them. Before the close the driver never fires a timer early.
                if closed {
                    feed("late keep-alive tick") { $0.keepAliveTimerFired() }
                    feed("late init timeout") { $0.initTimeoutFired() }
                    feed("late connect hook") { $0.connectHookFinished(.accepted(acknowledgementPayload: nil)) }
                }
            default:
                receiveFromDictionary(&reader)
            }
        }
    }

    private mutating func connectHookFinishes(_ reader: inout ByteReader) {
        guard hooksPending > 0 else { return }
        hooksPending -= 1
        let outcome: ConnectHookOutcome =
            switch reader.choice(5) {
            case 0: .accepted(acknowledgementPayload: nil)
            case 1: .accepted(acknowledgementPayload: ["itsa": "me"])
            case 2: .rejected(message: "Prohibited connection!")
            case 3: .failed(message: "bad token")
            default: .failed(message: String(repeating: "é", count: 70))
            }
        feed("connect hook: \(outcome)") { $0.connectHookFinished(outcome) }
    }

    private mutating func operationProduces(_ reader: inout ByteReader) {
        guard !runOrder.isEmpty else { return }
        // Mostly the newest runs; older (ended, stale) runs too.
        let back = min(Int(reader.byte() % 8), runOrder.count - 1)
        let run = runOrder[runOrder.count - 1 - back]
        let wasLive = runs[run]?.live == true
        let errors = [GraphQLFormattedError(message: "E1", path: ["t"])]
        let output: OperationOutput
        switch reader.choice(10) {
        case 0...3:
            results += 1
            output = .result(ExecutionResult(["data": ["n": .integer(results)]]))
        case 4: output = .completed
        case 5: output = .rejected(reader.choice(2) == 0 ? [] : errors)
        case 6: output = .requestFailed(errors)
        case 7: output = .executionFailed(message: "boom")
        case 8: output = .streamFailed(errors)
        default: output = .streamFailed([])
        }
        if case .result(let result) = output {
            let frame = machine.resultFrame(run: run, result)
            if wasLive != (frame != nil) {
                violation(
                    "resultFrame(run: \(run)) is \(frame == nil ? "nil" : "a frame") for a run that is \(wasLive ? "" : "not ")live",
                    trace: trace
                )
            }
        }
        let actions = feed("run \(run) produced \(output)") { $0.operation(run: run, produced: output) }
        if !wasLive, !actions.isEmpty {
            violation("the output of run \(run), which is not live, produced \(actions)", trace: trace)
        }
        if wasLive, case .result = output, actions.count != 1 {
            violation("one result of a live run produced \(actions)", trace: trace)
        }
        if wasLive, output.isTerminal, runs[run]?.live == true {
            violation("run \(run) is still live after its last output", trace: trace)
        }
    }

    /// Advances the manual clock, firing the timers that fall due, in order.
    private mutating func advanceClock(by milliseconds: Int64) {
        let target = now + milliseconds
        while true {
            let initDue = initDeadline.map { $0 <= target } ?? false
            let keepAliveDue = keepAlive.map { $0.next <= target } ?? false
            if initDue, let deadline = initDeadline, !keepAliveDue || deadline <= keepAlive!.next {
                now = deadline
                initDeadline = nil
                feed("t=\(now) ms: init timeout") { $0.initTimeoutFired() }
            } else if keepAliveDue, let timer = keepAlive {
                now = timer.next
                keepAlive = (timer.next + timer.interval, timer.interval)
                feed("t=\(now) ms: keep-alive tick") { $0.keepAliveTimerFired() }
            } else {
                break
            }
        }
        now = target
    }

    /// Feeds the machine one input and checks what it answers.
    @discardableResult
    private mutating func feed(_ input: String, _ body: (inout any ServerStateMachine) -> [ServerAction]) -> [ServerAction] {
        trace.append(input)
        let wasClosed = closed
        let actions = body(&machine)
        if wasClosed, !actions.isEmpty {
            violation("GW-46: after the close, \(input) produced \(actions)", trace: trace)
        }
        for action in actions {
            if closed { violation("\(action) follows the close in \(actions)", trace: trace) }
            apply(action)
        }
        if let run = cancelledAwaitingEnd.first {
            violation("run \(run) was cancelled but its end was not reported", trace: trace)
        }
        if closed {
            if !liveByKey.isEmpty { violation("operations left running after the close: \(liveByKey)", trace: trace) }
            initDeadline = nil
            keepAlive = nil
        }
        if machine.isClosed != closed {
            violation("isClosed is \(machine.isClosed) but the actions say \(closed)", trace: trace)
        }
        // The driver cancels the init timer once no init is awaited.
        if !machine.awaitsInit { initDeadline = nil }
        return actions
    }

    private mutating func apply(_ action: ServerAction) {
        switch action {
        case .send(let frame):
            check(frame: frame)
        case .runConnectHook:
            hooksPending += 1
        case .startOperation(let id, let run, _):
            if operationsNeedAck, !acked { violation("operation \(id) started before connection_ack", trace: trace) }
            if run <= lastRun { violation("run number \(run) is not new (last \(lastRun))", trace: trace) }
            if liveByKey[id.key] != nil { violation("operation \(id) started while a run of it is live", trace: trace) }
            lastRun = run
            runs[run] = Run(key: id.key)
            runOrder.append(run)
            liveByKey[id.key] = run
        case .cancelOperation(let run):
            guard runs[run]?.live == true, !cancelledAwaitingEnd.contains(run) else {
                violation("cancelled run \(run), which is not live", trace: trace)
            }
            cancelledAwaitingEnd.insert(run)
        case .operationEnded(let id, _):
            guard let run = liveByKey.removeValue(forKey: id.key) else {
                violation("operation \(id) ended without a live run", trace: trace)
            }
            runs[run]?.live = false
            cancelledAwaitingEnd.remove(run)
        case .startKeepAlive(let interval):
            if !acked { violation("keep-alive started before connection_ack", trace: trace) }
            if keepAlive != nil { violation("keep-alive started twice", trace: trace) }
            guard interval > .zero else { violation("keep-alive interval \(interval)", trace: trace) }
            let milliseconds = Self.milliseconds(interval)
            keepAlive = (now + milliseconds, milliseconds)
        case .notifyPing, .notifyPong:
            break
        case .close(let code, let reason):
            // RFC 6455: 1000-1003, 1007-1014 and 3000-4999 may be sent; a reason fits in 123 bytes.
            if !(1000...1003 ~= code || 1007...1014 ~= code || 3000...4999 ~= code) {
                violation("close code \(code) may not be sent", trace: trace)
            }
            if reason.utf8.count > 123 { violation("close reason of \(reason.utf8.count) bytes", trace: trace) }
            closed = true
        case .finish:
            closed = true
        }
    }

    private mutating func check(frame bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard case .object(let object)? = try? JSONValue.parse(bytes), case .string(let type)? = object["type"] else {
            violation("server frame \(text) is not a JSON object with a type", trace: trace)
        }
        guard rules.serverTypes.contains(type) else { violation("\(rules.name) server frame of type \(type): \(text)", trace: trace) }
        let id = object["id"].flatMap(OperationID.init)
        if object["id"] != nil, id == nil { violation("frame with an invalid id: \(text)", trace: trace) }
        let run = id.flatMap { liveByKey[$0.key] }
        if let run, runs[run]!.terminalFrames > 0 {
            violation("GW-45: \(text) follows the terminal frame of run \(run)", trace: trace)
        }
        let needsAck: Bool
        switch type {
        case "connection_ack":
            if acked, !rules.repeatedAcks { violation("second connection_ack", trace: trace) }
            acked = true
            needsAck = false
        case rules.keepAliveType:
            if acked == false { violation("GW-45: \(type) before connection_ack", trace: trace) }
            needsAck = false
        case rules.resultType, "complete":
            guard let run else { violation("GW-45: \(text) for an id without a live run", trace: trace) }
            if type == "complete" { runs[run]!.terminalFrames += 1 }
            // GraphQL responses: `errors`, when present, is a non-empty list.
            if type == rules.resultType, case .object(let payload)? = object["payload"], let errors = payload["errors"] {
                guard case .array(let list) = errors, !list.isEmpty else { violation("result with errors \(errors): \(text)", trace: trace) }
            }
            needsAck = true
        case "error":
            if let run {
                runs[run]!.terminalFrames += 1
                needsAck = true
            } else {
                // A reply to a message that started nothing (an invalid `start`, a full table).
                if id == nil, !rules.errorWithoutID { violation("error frame without an id: \(text)", trace: trace) }
                needsAck = false
            }
        default:
            needsAck = false
        }
        if needsAck, operationsNeedAck, !acked { violation("GW-45: \(text) before connection_ack", trace: trace) }
    }
}

extension MachineHarness {
    fileprivate static func message(of frame: JSONObject) -> String? {
        frame["payload"]?.objectValue?["message"]?.stringValue
    }
}

extension OperationOutput {
    fileprivate var isTerminal: Bool {
        if case .result = self { return false }
        return true
    }
}
