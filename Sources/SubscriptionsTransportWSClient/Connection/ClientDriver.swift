import NIOCore
import NIOSSL
import SubscriptionsTransportWS

/// Runs a client: one loop that owns the ``ClientStateMachine`` and the current socket, fed by one
/// event stream, so that all decisions happen in one place and in order.
///
/// Connection attempts and the ticker are child tasks of the driver's task group; they only report
/// events. The loop writes to the socket itself, so messages leave in the order decided.
struct ClientDriver: Sendable {
    let connector: WebSocketConnector
    let configuration: GraphQLWebSocketClient.Configuration
    let registry: OperationRegistry

    /// Runs until the client is finished: shut down, cancelled, or given up after a failure.
    ///
    /// - Parameters:
    ///   - events: The driver's inputs.
    ///   - readiness: Receives one value: success once the first connection is acknowledged, or the
    ///     error that made the client give up before that.
    func run(
        events: AsyncStream<DriverEvent>,
        readiness: AsyncStream<Result<Void, GraphQLWebSocketClientError>>.Continuation
    ) async {
        let tickInterval = self.tickInterval
        await withDiscardingTaskGroup { group in
            group.addTask { [registry] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    registry.post(.tick)
                }
            }
            var loop = DriverLoop(driver: self, readiness: readiness)
            loop.startAttempt(in: &group)
            for await event in events {
                await loop.handle(event, group: &group)
                if loop.isFinished { break }
            }
            // The loop also ends when the task is cancelled: then the socket is dropped.
            loop.abandon()
            group.cancelAll()
        }
    }

    /// How often deadlines are checked: fine enough for the shortest configured duration.
    var tickInterval: Duration {
        var shortest = Duration.seconds(1)
        for duration in [
            configuration.connectionAckTimeout, configuration.keepAlive.timeout,
            configuration.reconnect.maxAttempts > 0 ? configuration.reconnect.initialDelay : nil,
        ] {
            if let duration, duration > .zero { shortest = min(shortest, duration / 8) }
        }
        return max(shortest, .milliseconds(5))
    }
}

/// The mutable state of a driver's loop.
private struct DriverLoop {
    enum Link {
        case connecting(attempt: Int)
        case open(attempt: Int, WebSocketWriter)
        /// Waiting for the attempt to end; the writer is `nil` when it had not opened yet.
        case closing(attempt: Int, WebSocketWriter?)
        case waitingToRetry(until: ContinuousClock.Instant)
        case finished
    }

    let driver: ClientDriver
    var readiness: AsyncStream<Result<Void, GraphQLWebSocketClientError>>.Continuation?
    var machine: ClientStateMachine
    var link: Link = .finished
    var attempt = 0
    var failuresInARow = 0
    var isShuttingDown = false
    /// Why the client is closing the current connection, when it is for an error.
    var closeError: GraphQLWebSocketClientError?
    /// The current connection's `Sec-WebSocket-Protocol` answer.
    var answeredSubprotocol: String?
    var wasAcknowledged = false

    init(driver: ClientDriver, readiness: AsyncStream<Result<Void, GraphQLWebSocketClientError>>.Continuation) {
        self.driver = driver
        self.readiness = readiness
        self.machine = ClientStateMachine(
            initPayload: driver.configuration.initPayload,
            connectionAckTimeout: driver.configuration.connectionAckTimeout,
            keepAliveTimeout: driver.configuration.keepAlive.timeout
        )
    }

    var isFinished: Bool {
        if case .finished = link { return true }
        return false
    }

    private var registry: OperationRegistry { driver.registry }
    private var closeTimeout: Duration { driver.configuration.closeTimeout }

    mutating func startAttempt(in group: inout DiscardingTaskGroup) {
        attempt += 1
        link = .connecting(attempt: attempt)
        answeredSubprotocol = nil
        wasAcknowledged = false
        let (number, connector, closeTimeout, registry) = (attempt, driver.connector, closeTimeout, registry)
        group.addTask {
            await ConnectionAttempt.run(connector: connector, closeTimeout: closeTimeout, allowance: registry.inbound) { event in
                registry.post(.transport(attempt: number, event))
            }
        }
    }

    mutating func handle(_ event: DriverEvent, group: inout DiscardingTaskGroup) async {
        let now = ContinuousClock.now
        switch event {
        case .subscribe(let id, let request):
            await perform(machine.subscribe(id: id, request: request))
        case .cancel(let id):
            await perform(machine.cancel(id: id))
        case .shutdown:
            await shutdown()
        case .tick:
            if case .open = link { await perform(machine.tick(now: now)) }
            if case .waitingToRetry(let until) = link, now >= until { startAttempt(in: &group) }
        case .transport(let number, let event):
            if case .message = event { registry.inbound.handled() }
            guard number == attempt else {
                if case .opened(let writer, _) = event { writer.abort() }
                return
            }
            await handle(event, now: now)
        }
    }

    private mutating func handle(_ event: TransportEvent, now: ContinuousClock.Instant) async {
        switch event {
        case .opened(let writer, let answer):
            answeredSubprotocol = answer
            if isShuttingDown {
                link = .closing(attempt: attempt, writer)
                await writer.close(code: 1000, reason: "Normal Closure", dropAfter: closeTimeout)
                return
            }
            guard let subprotocol = driver.configuration.protocolChoice.subprotocol(answered: answer) else {
                closeError = .noCommonSubprotocol(offered: offeredNames, answered: answer)
                link = .closing(attempt: attempt, writer)
                await writer.close(code: 1002, reason: "Subprotocol not offered", dropAfter: .zero)
                return
            }
            link = .open(attempt: attempt, writer)
            await perform(machine.opened(subprotocol: subprotocol, now: now))
        case .message(let bytes):
            guard case .open = link else { return }
            await perform(machine.received(bytes, now: now))
        case .ended(let close):
            machine.connectionLost()
            connectionEnded(error: isShuttingDown ? nil : closeError ?? error(for: close ?? ConnectionClose(code: 1006)))
        case .failed(let error):
            machine.connectionLost()
            connectionEnded(error: isShuttingDown ? nil : error)
        }
    }

    private var offeredNames: [String] { driver.configuration.protocolChoice.offers.map(\.name) }

    /// The error for a close the server chose.
    private func error(for close: ConnectionClose) -> GraphQLWebSocketClientError {
        // A server that accepted the WebSocket but serves none of the offered subprotocols closes at
        // once: graphql-ws servers with 1002, graphql-transport-ws servers with 4406.
        if !wasAcknowledged, close.code == 4406 || (close.code == 1002 && answeredSubprotocol == nil) {
            return .noCommonSubprotocol(offered: offeredNames, answered: answeredSubprotocol)
        }
        return .closed(close)
    }

    private mutating func connectionEnded(error: GraphQLWebSocketClientError?) {
        closeError = nil
        guard let error else {
            finish(with: .clientClosed)
            return
        }
        let reconnect = driver.configuration.reconnect
        guard error.isRetryable, failuresInARow < reconnect.maxAttempts else {
            finish(with: error)
            return
        }
        failuresInARow += 1
        link = .waitingToRetry(until: .now + reconnect.delay(beforeRetry: failuresInARow))
    }

    private mutating func shutdown() async {
        isShuttingDown = true
        switch link {
        case .open(let number, let writer):
            link = .closing(attempt: number, writer)
            await perform(machine.shutdown(), writer: writer)
        case .connecting(let number):
            link = .closing(attempt: number, nil)
        case .waitingToRetry:
            finish(with: .clientClosed)
        case .closing, .finished:
            break
        }
    }

    /// Gives up for good: every live and later operation fails with `error`.
    private mutating func finish(with error: GraphQLWebSocketClientError) {
        link = .finished
        _ = machine.removeAllOperations()
        registry.finishAll(with: error)
        readiness?.yield(.failure(error))
        readiness?.finish()
        readiness = nil
    }

    /// Ends without waiting, when the loop stops early (its task was cancelled).
    mutating func abandon() {
        switch link {
        case .open(_, let writer), .closing(_, let writer?):
            writer.abort()
        default:
            break
        }
        if !isFinished { finish(with: .clientClosed) }
    }

    private mutating func perform(_ actions: [ClientStateMachine.Action]) async {
        guard case .open(_, let writer) = link else {
            // Without a socket only bookkeeping actions can arise (for example a cancel while
            // reconnecting), and none of them sends.
            return
        }
        await perform(actions, writer: writer)
    }

    private mutating func perform(_ actions: [ClientStateMachine.Action], writer: WebSocketWriter) async {
        for action in actions {
            switch action {
            case .send(let message):
                guard let subprotocol = machine.subprotocol else { continue }
                // A failed write means the connection is going; its `.ended` event follows.
                try? await writer.send(text: message.encoded(for: subprotocol))
            case .acknowledged(let payload):
                wasAcknowledged = true
                failuresInARow = 0
                registry.acknowledged(subprotocol: machine.subprotocol, payload: payload)
                readiness?.yield(.success(()))
                readiness?.finish()
                readiness = nil
            case .deliver(let id, let response):
                registry.deliver(response, to: id)
            case .complete(let id):
                registry.removeConsumer(for: id)?.finish()
            case .fail(let id, let error):
                registry.removeConsumer(for: id)?.finish(throwing: error)
            case .close(let code, let reason, let error):
                closeError = error
                link = .closing(attempt: attempt, writer)
                await writer.close(code: code, reason: reason, dropAfter: error == nil ? closeTimeout : .zero)
            }
        }
    }
}
