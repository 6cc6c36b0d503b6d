/// The `graphql-ws` protocol rules for one server connection, without I/O, tasks or clocks.
///
/// Inputs are the client's decoded messages and what the driver observed (a hook finished, an
/// operation ended, a timer fired, the transport closed); outputs are actions for the driver.
/// Operation runs are numbered so that a late event from a replaced run cannot touch its successor.
struct GraphQLWSServerStateMachine {
    enum Action: Equatable {
        case send([UInt8])
        case runConnectHook(JSONObject)
        case startOperation(id: OperationID, run: UInt64, request: OperationRequest)
        /// End a live run: drop its pending output, send `frame` in its place if given, cancel it,
        /// and report it complete.
        case stopOperation(id: OperationID, run: UInt64, frame: [UInt8]?)
        /// A run that ended by itself was removed from the table: report it complete.
        case operationFinished(id: OperationID)
        case startKeepAlive(Duration)
        /// Send a close frame and end the connection.
        case close(code: UInt16, reason: String)
        /// End the connection; the transport is gone, so nothing is sent.
        case finish
    }

    enum ConnectDecision: Equatable {
        case accepted(acknowledgementPayload: JSONObject?)
        case rejected(message: String)
    }

    private enum State {
        case awaitingInit
        /// The connect hook is running; messages wait here in arrival order.
        case initialising(queued: [GraphQLWSClientMessage])
        case ready
        case closed
    }

    private var state = State.awaitingInit
    /// Live operations by id; the value keeps the id in the JSON form the `start` used, for echoing.
    private var operations: [OperationID: (id: OperationID, run: UInt64)] = [:]
    private var nextRun: UInt64 = 0
    private var keepAliveRunning = false
    private var acknowledged = false
    private let keepAliveInterval: Duration?
    private let maxLiveOperations: Int?
    private let operationsWithoutInitAllowed: Bool
    private let repeatedInitCloses: Bool

    init(options: GraphQLWSServerOptions, operationsWithoutInitAllowed: Bool) {
        keepAliveInterval = options.keepAlive.interval
        maxLiveOperations = options.maxLiveOperations
        self.operationsWithoutInitAllowed = operationsWithoutInitAllowed
        repeatedInitCloses = options.repeatedConnectionInit.closesConnection
    }

    /// Whether the connection has been acknowledged at least once.
    var isAcknowledged: Bool { acknowledged }

    /// The number of live operations.
    var liveOperationCount: Int { operations.count }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    mutating func received(_ message: GraphQLWSClientMessage) -> [Action] {
        switch state {
        case .closed:
            return []
        case .initialising(var queued):
            if message == .connectionTerminate { return close(code: 1000, reason: "") }
            queued.append(message)
            state = .initialising(queued: queued)
            return []
        case .awaitingInit, .ready:
            return handle(message)
        }
    }

    private mutating func handle(_ message: GraphQLWSClientMessage) -> [Action] {
        switch message {
        case .connectionInit(let payload):
            if acknowledged && repeatedInitCloses {
                return close(code: 4429, reason: "Too many initialisation requests")
            }
            state = .initialising(queued: [])
            return [.runConnectHook(payload)]
        case .start(let id, let request):
            guard mayRunOperations else { return close(code: 4401, reason: "Unauthorized") }
            var actions: [Action] = []
            if let replaced = operations.removeValue(forKey: id) {
                actions.append(.stopOperation(id: replaced.id, run: replaced.run, frame: nil))
            } else if let maxLiveOperations, operations.count >= maxLiveOperations {
                return [.send(GraphQLWSServerFrame.error(id, "Subscription limit reached"))]
            }
            nextRun += 1
            operations[id] = (id, nextRun)
            actions.append(.startOperation(id: id, run: nextRun, request: request))
            return actions
        case .invalidStart(let id, let message):
            guard mayRunOperations else { return close(code: 4401, reason: "Unauthorized") }
            return [.send(GraphQLWSServerFrame.error(id, message))]
        case .stop(let id):
            guard let live = operations.removeValue(forKey: id) else { return [] }
            return [.stopOperation(id: live.id, run: live.run, frame: GraphQLWSServerFrame.complete(live.id))]
        case .connectionTerminate:
            return close(code: 1000, reason: "")
        case .keepAlive:
            return []
        case .unknownType(let id):
            return [.send(GraphQLWSServerFrame.error(id, "Invalid message type!"))]
        case .malformed(let message):
            return [.send(GraphQLWSServerFrame.connectionError(message))]
        }
    }

    private var mayRunOperations: Bool {
        acknowledged || operationsWithoutInitAllowed
    }

    mutating func connectHookFinished(_ decision: ConnectDecision) -> [Action] {
        guard case .initialising(let queued) = state else { return [] }
        switch decision {
        case .rejected(let message):
            return [.send(GraphQLWSServerFrame.connectionError(message))] + close(code: 1011, reason: "")
        case .accepted(let payload):
            state = .ready
            acknowledged = true
            var actions: [Action] = [.send(GraphQLWSServerFrame.connectionAck(payload: payload))]
            if let keepAliveInterval {
                actions.append(.send(GraphQLWSServerFrame.keepAlive))
                if !keepAliveRunning {
                    keepAliveRunning = true
                    actions.append(.startKeepAlive(keepAliveInterval))
                }
            }
            for message in queued {
                actions += received(message)
            }
            return actions
        }
    }

    mutating func operationEnded(id: OperationID, run: UInt64) -> [Action] {
        guard operations[id]?.run == run else { return [] }
        operations[id] = nil
        return [.operationFinished(id: id)]
    }

    mutating func keepAliveTimerFired() -> [Action] {
        if isClosed || !keepAliveRunning { return [] }
        return [.send(GraphQLWSServerFrame.keepAlive)]
    }

    mutating func initTimeoutFired() -> [Action] {
        guard case .awaitingInit = state, !acknowledged else { return [] }
        return close(code: 4408, reason: "Connection initialisation timeout")
    }

    mutating func transportClosed() -> [Action] {
        guard !isClosed else { return [] }
        return stopAll() + [.finish]
    }

    /// Closes with an error the host observed (for example an oversized frame).
    mutating func closeForHost(code: UInt16, reason: String) -> [Action] {
        guard !isClosed else { return [] }
        return close(code: code, reason: reason)
    }

    private mutating func close(code: UInt16, reason: String) -> [Action] {
        stopAll() + [.close(code: code, reason: reason)]
    }

    private mutating func stopAll() -> [Action] {
        state = .closed
        let actions = operations.values.sorted { $0.run < $1.run }.map {
            Action.stopOperation(id: $0.id, run: $0.run, frame: nil)
        }
        operations = [:]
        return actions
    }
}
