import SubscriptionsTransportWS

/// The client side of both protocols, without I/O: inputs (an opened socket, a received frame, a
/// new or cancelled operation, the passing of time) go in, actions come out.
///
/// One machine lives as long as the client: operations survive a lost connection, and are sent
/// again once a new connection is acknowledged. Time enters only through the `now` arguments, so
/// every timeout can be tested with made-up instants.
struct ClientStateMachine {
    /// What the driver must do, in order.
    enum Action: Equatable {
        /// Send a message, encoded for ``subprotocol``.
        case send(ClientMessage)
        /// The connection was acknowledged, with the server's ack payload.
        case acknowledged(payload: JSONObject?)
        /// Hand a result to an operation's consumer.
        case deliver(id: String, GraphQLResponse)
        /// End an operation's results normally.
        case complete(id: String)
        /// End an operation's results with the server's errors.
        case fail(id: String, GraphQLOperationError)
        /// Close the connection with this code and reason; `error` is why, or `nil` for a normal close.
        case close(code: UInt16, reason: String, error: GraphQLWebSocketClientError?)
    }

    /// Where the current connection is.
    enum Phase: Equatable {
        /// No socket is open.
        case disconnected
        /// `connection_init` was sent at `since`; operations wait for the ack.
        case awaitingAck(since: ContinuousClock.Instant)
        /// Acknowledged: operations are sent as they come.
        case ready(KeepAliveState)
        /// The client decided to close; nothing more is sent or delivered.
        case closing
    }

    /// What the keep-alive watch knows on an acknowledged connection.
    struct KeepAliveState: Equatable {
        /// `graphql-ws`: the last sign of life, `nil` until the first `ka`.
        var lastSignOfLife: ContinuousClock.Instant?
        /// `graphql-transport-ws`: when the unanswered `ping` was sent, if one is outstanding.
        var pingSentAt: ContinuousClock.Instant?
        /// `graphql-transport-ws`: when the client last sent a `ping` (or the ack came).
        var lastPingAt: ContinuousClock.Instant
    }

    /// One live operation.
    private struct Operation {
        var request: OperationRequest
        /// Orders re-subscription after a reconnect as the operations were started.
        var sequence: Int
        /// Whether it was sent on the current connection.
        var isSent: Bool
    }

    /// The `connection_init` payload.
    let initPayload: JSONObject?
    /// How long to wait for the ack; `nil` for ever.
    let connectionAckTimeout: Duration?
    /// The keep-alive timeout; `nil` when disabled.
    let keepAliveTimeout: Duration?

    /// The subprotocol of the current connection, `nil` while disconnected.
    private(set) var subprotocol: WebSocketSubprotocol?
    private(set) var phase: Phase = .disconnected
    private var operations: [String: Operation] = [:]
    private var nextSequence = 0

    init(initPayload: JSONObject?, connectionAckTimeout: Duration?, keepAliveTimeout: Duration?) {
        self.initPayload = initPayload
        self.connectionAckTimeout = connectionAckTimeout
        self.keepAliveTimeout = keepAliveTimeout
    }

    /// The ids of the live operations, in the order they were started.
    var operationIDs: [String] {
        operations.sorted { $0.value.sequence < $1.value.sequence }.map(\.key)
    }

    /// A socket speaking `subprotocol` opened: initialise the connection.
    mutating func opened(subprotocol: WebSocketSubprotocol, now: ContinuousClock.Instant) -> [Action] {
        self.subprotocol = subprotocol
        phase = .awaitingAck(since: now)
        for id in operations.keys { operations[id]!.isSent = false }
        return [.send(.connectionInit(payload: initPayload))]
    }

    /// The socket is gone; live operations wait for the next connection.
    mutating func connectionLost() {
        subprotocol = nil
        phase = .disconnected
        for id in operations.keys { operations[id]!.isSent = false }
    }

    /// A caller started an operation.
    mutating func subscribe(id: String, request: OperationRequest) -> [Action] {
        operations[id] = Operation(request: request, sequence: nextSequence, isSent: false)
        nextSequence += 1
        guard case .ready = phase else { return [] }
        operations[id]!.isSent = true
        return [.send(.subscribe(id: id, request: request))]
    }

    /// A caller stopped listening to an operation; unknown ids are ignored.
    mutating func cancel(id: String) -> [Action] {
        guard let operation = operations.removeValue(forKey: id) else { return [] }
        guard case .ready = phase, operation.isSent else { return [] }
        return [.send(.stop(id: id))]
    }

    /// Forgets every operation, returning their ids, for when the client gives up.
    mutating func removeAllOperations() -> [String] {
        let ids = operationIDs
        operations.removeAll()
        return ids
    }

    /// The client is closing for good: say goodbye as each protocol's reference client does.
    ///
    /// `graphql-ws` clients stop every operation and send `connection_terminate`;
    /// `graphql-transport-ws` clients just close with 1000. Live operations are forgotten.
    mutating func shutdown() -> [Action] {
        var actions: [Action] = []
        switch phase {
        case .disconnected, .closing:
            operations.removeAll()
            return []
        case .ready:
            if subprotocol == .graphQLWS {
                actions += operationIDs.filter { operations[$0]!.isSent }.map { .send(.stop(id: $0)) }
            }
        case .awaitingAck:
            break
        }
        if subprotocol == .graphQLWS { actions.append(.send(.connectionTerminate)) }
        operations.removeAll()
        phase = .closing
        actions.append(.close(code: 1000, reason: "Normal Closure", error: nil))
        return actions
    }

    /// Time passed: check the acknowledgement and keep-alive deadlines, and ping when due.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .awaitingAck(let since):
            guard let timeout = connectionAckTimeout, now - since >= timeout else { return [] }
            phase = .closing
            return [.close(code: 4504, reason: "Connection acknowledgement timeout", error: .connectionAckTimeout(timeout))]
        case .ready(var keepAlive):
            guard let timeout = keepAliveTimeout else { return [] }
            if subprotocol == .graphQLTransportWS {
                if let pingSentAt = keepAlive.pingSentAt {
                    guard now - pingSentAt >= timeout else { return [] }
                    return closeForKeepAlive(timeout)
                }
                guard now - keepAlive.lastPingAt >= timeout else { return [] }
                keepAlive.pingSentAt = now
                keepAlive.lastPingAt = now
                phase = .ready(keepAlive)
                return [.send(.ping(payload: nil))]
            }
            guard let last = keepAlive.lastSignOfLife, now - last >= timeout else { return [] }
            return closeForKeepAlive(timeout)
        case .disconnected, .closing:
            return []
        }
    }

    private mutating func closeForKeepAlive(_ timeout: Duration) -> [Action] {
        phase = .closing
        // 4499 is what the graphql-ws library's client reports when it terminates a dead socket.
        return [.close(code: 4499, reason: "Keep-alive timeout", error: .keepAliveTimeout(timeout))]
    }

    /// A text (or binary) frame arrived.
    mutating func received(_ bytes: some Collection<UInt8>, now: ContinuousClock.Instant) -> [Action] {
        guard let subprotocol else { return [] }
        switch phase {
        case .disconnected, .closing: return []
        case .awaitingAck, .ready: break
        }
        let message: ServerMessage
        do {
            message = try ServerMessage.decode(bytes, for: subprotocol)
        } catch {
            phase = .closing
            return [.close(code: 4004, reason: "Bad response", error: .invalidServerMessage(error.message))]
        }
        noteSignOfLife(message, now: now)
        switch message {
        case .connectionAck(let payload):
            guard case .awaitingAck = phase else { return [] }
            phase = .ready(KeepAliveState(lastSignOfLife: nil, pingSentAt: nil, lastPingAt: now))
            var actions: [Action] = [.acknowledged(payload: payload)]
            for id in operationIDs {
                operations[id]!.isSent = true
                actions.append(.send(.subscribe(id: id, request: operations[id]!.request)))
            }
            return actions
        case .connectionError(let payload):
            phase = .closing
            return [.close(code: 1000, reason: "Normal Closure", error: .connectionRejected(payload: payload))]
        case .keepAlive, .pong:
            return []
        case .ping(let payload):
            return [.send(.pong(payload: payload))]
        case .next(let id, let payload):
            guard operations[id]?.isSent == true else { return [] }
            return [.deliver(id: id, GraphQLResponse(payload: payload))]
        case .error(let id, let errors):
            guard operations[id]?.isSent == true else { return [] }
            operations[id] = nil
            return [.fail(id: id, GraphQLOperationError(errors: errors))]
        case .complete(let id):
            guard operations[id]?.isSent == true else { return [] }
            operations[id] = nil
            return [.complete(id: id)]
        }
    }

    private mutating func noteSignOfLife(_ message: ServerMessage, now: ContinuousClock.Instant) {
        guard case .ready(var keepAlive) = phase else { return }
        if case .pong = message { keepAlive.pingSentAt = nil }
        if case .keepAlive = message {
            keepAlive.lastSignOfLife = now
        } else if keepAlive.lastSignOfLife != nil {
            keepAlive.lastSignOfLife = now
        }
        phase = .ready(keepAlive)
    }
}
