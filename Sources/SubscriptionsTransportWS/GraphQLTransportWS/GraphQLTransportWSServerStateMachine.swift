/// The `graphql-transport-ws` rules for one server connection.
struct GraphQLTransportWSServerStateMachine: ServerStateMachine {
    private enum State {
        case awaitingInit
        /// `connection_init` arrived; the connect hook is running.
        case initialising
        case ready
        case closed
    }

    private var state = State.awaitingInit
    private var operations = OperationTable(resultType: "next")
    private(set) var isAcknowledged = false
    private let options: GraphQLTransportWSServerOptions
    private let pingHooks: (onPing: Bool, onPong: Bool)
    private let negotiatedOtherProtocol: Bool

    init(options: GraphQLTransportWSServerOptions, pingHooks: (onPing: Bool, onPong: Bool), negotiatedOtherProtocol: Bool = false) {
        self.options = options
        self.pingHooks = pingHooks
        self.negotiatedOtherProtocol = negotiatedOtherProtocol
    }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    var awaitsInit: Bool {
        if case .awaitingInit = state { return true }
        return false
    }

    mutating func opened() -> [ServerAction] {
        negotiatedOtherProtocol ? close(code: 4406, reason: "Subprotocol not acceptable") : []
    }

    mutating func received(_ frame: InboundFrame) -> [ServerAction] {
        guard !isClosed else { return [] }
        switch frame {
        case .text(let text):
            guard text.utf8.count <= options.maxInboundMessageBytes else { return closeForMessageTooBig() }
            return handle(GraphQLTransportWSClientMessage.decode(text.utf8))
        case .binary(let bytes):
            guard bytes.count <= options.maxInboundMessageBytes else { return closeForMessageTooBig() }
            guard options.acceptsBinaryFrames, String(validating: bytes, as: UTF8.self) != nil else { return closeForInvalidMessage() }
            return handle(GraphQLTransportWSClientMessage.decode(bytes))
        }
    }

    private mutating func closeForMessageTooBig() -> [ServerAction] {
        closeForHost(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
    }

    private mutating func closeForInvalidMessage() -> [ServerAction] {
        close(code: 4400, reason: "Invalid message received")
    }

    private mutating func handle(_ message: GraphQLTransportWSClientMessage) -> [ServerAction] {
        switch message {
        case .invalid:
            return closeForInvalidMessage()
        case .connectionInit(let payload):
            guard case .awaitingInit = state else {
                return close(code: 4429, reason: "Too many initialisation requests")
            }
            state = .initialising
            return [.runConnectHook(payload ?? [:])]
        case .ping(let payload):
            if pingHooks.onPing { return [.notifyPing(payload)] }
            return [.send(GraphQLTransportWSServerFrame.pong(payload: payload))]
        case .pong(let payload):
            return pingHooks.onPong ? [.notifyPong(payload)] : []
        case .subscribe(let id, let request):
            guard isAcknowledged else { return close(code: 4401, reason: "Unauthorized") }
            guard !operations.contains(id) else {
                return close(code: 4409, reason: "Subscriber for \(id.key) already exists")
            }
            if let limit = options.maxLiveOperations, operations.count >= limit {
                let error = GraphQLFormattedError(message: "Subscription limit reached")
                return [.send(GraphQLTransportWSServerFrame.error(id, [error]))]
            }
            return [operations.start(id, request)]
        case .complete(let id):
            // The client stopped listening: nothing is sent back.
            return operations.stop(id, frame: { _ in nil }) ?? []
        }
    }

    mutating func connectHookFinished(_ outcome: ConnectHookOutcome) -> [ServerAction] {
        guard case .initialising = state else { return [] }
        switch outcome {
        case .rejected:
            return close(code: 4403, reason: "Forbidden")
        case .failed(let message):
            return closeForInternalError(message)
        case .accepted(let payload):
            // Acknowledged before the ack is handed over, so a subscribe sent right after it is
            // never refused while the transport is still writing the ack.
            state = .ready
            isAcknowledged = true
            var actions: [ServerAction] = [.send(GraphQLTransportWSServerFrame.connectionAck(payload: payload))]
            if let interval = options.pingInterval, interval > .zero {
                actions.append(.startKeepAlive(interval))
            }
            return actions
        }
    }

    /// Closes 4500 with `message` when it may be shown and fits a close frame whole, and with
    /// "Internal server error" otherwise (TW-05: an error message is not cut, as other reasons are
    /// by the outbound queue).
    private mutating func closeForInternalError(_ message: String) -> [ServerAction] {
        let fits = message.utf8.count <= OutboundMessage.maxCloseReasonBytes
        let reason = options.exposesInternalErrorMessages && fits ? message : "Internal server error"
        return closeForHost(code: 4500, reason: reason)
    }

    func resultFrame(run: UInt64, _ result: ExecutionResult) -> [UInt8]? {
        operations.resultFrame(run: run, result)
    }

    mutating func operation(run: UInt64, produced output: OperationOutput) -> [ServerAction] {
        if case .result(let result) = output {
            return resultFrame(run: run, result).map { [.send($0)] } ?? []
        }
        guard let id = operations.end(run: run) else { return [] }
        switch output {
        case .result:
            preconditionFailure("handled above")
        case .completed:
            return [.send(GraphQLTransportWSServerFrame.complete(id)), .operationEnded(id: id, end: .completed)]
        case .rejected(let errors), .requestFailed(let errors), .streamFailed(let errors):
            // An error ends the operation: no `complete` follows it.
            let errors = OperationOutput.nonEmpty(errors)
            return [
                .send(GraphQLTransportWSServerFrame.error(id, errors)),
                .operationEnded(id: id, end: .failed(message: errors[0].message)),
            ]
        case .executionFailed(let message):
            return [.operationEnded(id: id, end: .failed(message: message))] + closeForInternalError(message)
        }
    }

    mutating func keepAliveTimerFired() -> [ServerAction] {
        isClosed ? [] : [.send(GraphQLTransportWSServerFrame.ping(payload: nil))]
    }

    mutating func initTimeoutFired() -> [ServerAction] {
        guard case .awaitingInit = state else { return [] }
        return close(code: 4408, reason: "Connection initialisation timeout")
    }

    mutating func transportClosed() -> [ServerAction] {
        guard !isClosed else { return [] }
        state = .closed
        return operations.stopAll() + [.finish]
    }

    mutating func closeForHost(code: UInt16, reason: String) -> [ServerAction] {
        isClosed ? [] : close(code: code, reason: reason)
    }

    private mutating func close(code: UInt16, reason: String) -> [ServerAction] {
        state = .closed
        return operations.stopAll() + [.close(code: code, reason: reason)]
    }
}
