/// The `graphql-ws` (Apollo `subscriptions-transport-ws`) rules for one server connection.
struct GraphQLWSServerStateMachine: ServerStateMachine {
    private enum State {
        case awaitingInit
        /// The connect hook is running; messages wait here in arrival order.
        case initialising(queued: [GraphQLWSClientMessage])
        case ready
        case closed
    }

    private var state = State.awaitingInit
    private var operations = OperationTable(resultType: "data")
    private var keepAliveRunning = false
    private(set) var isAcknowledged = false
    private let options: GraphQLWSServerOptions
    private let operationsWithoutInitAllowed: Bool
    private let negotiatedOtherProtocol: Bool

    init(options: GraphQLWSServerOptions, operationsWithoutInitAllowed: Bool, negotiatedOtherProtocol: Bool = false) {
        self.options = options
        self.operationsWithoutInitAllowed = operationsWithoutInitAllowed
        self.negotiatedOtherProtocol = negotiatedOtherProtocol
    }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    var awaitsInit: Bool {
        if case .awaitingInit = state { return !isAcknowledged }
        return false
    }

    mutating func opened() -> [ServerAction] {
        // Apollo's server closes a socket without its subprotocol with 1002 (protocol error).
        negotiatedOtherProtocol ? close(code: 1002, reason: "Subprotocol not acceptable") : []
    }

    mutating func received(_ frame: InboundFrame) -> [ServerAction] {
        switch frame {
        case .text(let text):
            guard text.utf8.count <= options.maxInboundMessageBytes else { return closeForMessageTooBig() }
            return received(GraphQLWSClientMessage.decode(text.utf8))
        case .binary(let bytes):
            guard options.binaryFrames.accepted else {
                return closeForHost(code: 1002, reason: "Binary frames are not supported")
            }
            guard bytes.count <= options.maxInboundMessageBytes else { return closeForMessageTooBig() }
            guard String(validating: bytes, as: UTF8.self) != nil else {
                return received(.malformed(message: "Binary message is not valid UTF-8"))
            }
            return received(GraphQLWSClientMessage.decode(bytes))
        }
    }

    private mutating func closeForMessageTooBig() -> [ServerAction] {
        closeForHost(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
    }

    mutating func received(_ message: GraphQLWSClientMessage) -> [ServerAction] {
        switch state {
        case .closed:
            return []
        case .initialising(var queued):
            if message == .connectionTerminate { return close(code: 1000, reason: "") }
            guard queued.count < options.maxMessagesWhileConnecting else {
                return close(code: 4429, reason: "Too many messages before connection_ack")
            }
            queued.append(message)
            state = .initialising(queued: queued)
            return []
        case .awaitingInit, .ready:
            return handle(message)
        }
    }

    private mutating func handle(_ message: GraphQLWSClientMessage) -> [ServerAction] {
        switch message {
        case .connectionInit(let payload):
            if isAcknowledged && options.repeatedConnectionInit.closesConnection {
                return close(code: 4429, reason: "Too many initialisation requests")
            }
            state = .initialising(queued: [])
            return [.runConnectHook(payload)]
        case .start(let id, let request):
            guard mayRunOperations else { return close(code: 4401, reason: "Unauthorized") }
            if let replaced = operations.stop(id, frame: { _ in nil }) {
                return replaced + [operations.start(id, request)]
            }
            if let limit = options.maxLiveOperations, operations.count >= limit {
                return [.send(GraphQLWSServerFrame.error(id, "Subscription limit reached"))]
            }
            return [operations.start(id, request)]
        case .invalidStart(let id, let message):
            guard mayRunOperations else { return close(code: 4401, reason: "Unauthorized") }
            // Like a valid `start`, it replaces the live operation with its id, silently: the
            // `error` ends that id, so the old run must send nothing more under it.
            let replaced = id.flatMap { operations.stop($0, frame: { _ in nil }) } ?? []
            return replaced + [.send(GraphQLWSServerFrame.error(id, message))]
        case .stop(let id):
            return operations.stop(id, frame: GraphQLWSServerFrame.complete) ?? []
        case .connectionTerminate:
            return close(code: 1000, reason: "")
        case .keepAlive:
            return []
        case .unknownType(let id):
            // The `error` ends its id (GW-21), so a live operation with that id stops silently
            // first, as for an invalid `start`: nothing follows an operation's `error` (GW-45).
            let stopped = id.flatMap { operations.stop($0, frame: { _ in nil }) } ?? []
            return stopped + [.send(GraphQLWSServerFrame.error(id, "Invalid message type!"))]
        case .malformed(let message):
            return [.send(GraphQLWSServerFrame.connectionError(message))]
        }
    }

    private var mayRunOperations: Bool {
        isAcknowledged || operationsWithoutInitAllowed
    }

    mutating func connectHookFinished(_ outcome: ConnectHookOutcome) -> [ServerAction] {
        guard case .initialising(let queued) = state else { return [] }
        switch outcome {
        case .rejected(let message):
            return [.send(GraphQLWSServerFrame.connectionError(message))] + close(code: 1011, reason: "")
        case .failed(let message):
            return [.send(GraphQLWSServerFrame.connectionError(shown(message)))] + close(code: 1011, reason: "")
        case .accepted(let payload):
            state = .ready
            isAcknowledged = true
            var actions: [ServerAction] = [.send(GraphQLWSServerFrame.connectionAck(payload: payload))]
            if let interval = options.keepAlive.interval {
                actions.append(.send(GraphQLWSServerFrame.keepAlive))
                if !keepAliveRunning {
                    keepAliveRunning = true
                    actions.append(.startKeepAlive(interval))
                }
            }
            for message in queued {
                actions += received(message)
            }
            return actions
        }
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
            return [.send(GraphQLWSServerFrame.complete(id)), .operationEnded(id: id, end: .completed)]
        case .rejected(let errors):
            // Apollo's server sends validation errors as a result, then completes. A result's
            // `errors` is never an empty list, even from an executor that rejects without errors.
            let errors = OperationOutput.nonEmpty(errors)
            return [
                .send(GraphQLWSServerFrame.data(id, ExecutionResult(errors: errors))),
                .send(GraphQLWSServerFrame.complete(id)),
                .operationEnded(id: id, end: .failed(message: errors[0].message)),
            ]
        case .requestFailed(let errors), .streamFailed(let errors):
            // An error ends the operation: no `complete` follows it.
            let message = OperationOutput.nonEmpty(errors)[0].message
            return [.send(GraphQLWSServerFrame.error(id, message)), .operationEnded(id: id, end: .failed(message: message))]
        case .executionFailed(let message):
            return [.send(GraphQLWSServerFrame.error(id, shown(message))), .operationEnded(id: id, end: .failed(message: message))]
        }
    }

    /// The message of an unexpected error (a hook or executor that threw) as the client may see it.
    private func shown(_ message: String) -> String {
        options.exposesInternalErrorMessages ? message : "Internal server error"
    }

    mutating func keepAliveTimerFired() -> [ServerAction] {
        isClosed ? [] : [.send(GraphQLWSServerFrame.keepAlive)]
    }

    mutating func initTimeoutFired() -> [ServerAction] {
        guard case .awaitingInit = state, !isAcknowledged else { return [] }
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
