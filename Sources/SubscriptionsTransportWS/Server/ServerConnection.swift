import SubscriptionsConcurrency

/// The protocol side of one GraphQL WebSocket connection, for either protocol.
///
/// The host hands it inbound frames with ``receive(_:)`` in the order they arrive, writes what
/// ``outbound`` yields, reports the socket's end with ``transportClosed(code:reason:)``, and runs
/// ``run()`` (or ``run(send:close:)``) to wait until the connection and all its work have ended.
///
/// The connection is a driver: the protocol's state machine decides everything the client sees, and
/// the driver carries its decisions out. Inputs are handled one at a time, where they arrive: a frame
/// is decided before ``receive(_:)`` returns, so nothing waits between a socket and the protocol.
/// Work that takes time runs in tasks the connection owns: the connect hook, each operation, the
/// other hooks and the timers. They are cancelled when they are no longer needed (a client stop, a
/// replacing `start`, the end of the connection) and ``run()`` returns only once they have all
/// finished. They are tasks of their own rather than child tasks of ``run()`` because their inputs
/// arrive on the host's threads (an event loop), not in a task; an idle connection therefore holds
/// no task but the host's own.
public final class ServerConnection<Executor: GraphQLExecutor>: WebSocketServerConnection, ResultBatchTarget {
    typealias Context = Executor.Context

    /// Numbers the connections of one server from 1, in the order they were created; observers and
    /// log messages name the connection by it.
    public let id: UInt64

    /// Frames to write, in order; a transport drains it batch by batch.
    public let outbound: OutboundQueue
    /// The protocol this connection speaks.
    public let subprotocol: WebSocketSubprotocol
    /// The HTTP request that opened the WebSocket, for the connect hook (which may run again on a
    /// repeated `connection_init`).
    public let request: UpgradeRequest

    private let server: GraphQLWebSocketServer<Executor>
    private let observer: (any GraphQLWebSocketObserver)?
    private let clock: any Clock<Duration>
    /// Sleeps until the init wait timeout, counted from the connection's creation.
    private let initTimeout: (@Sendable () async throws -> Void)?
    /// How long operations may wait for a client that takes nothing before it is closed.
    private let slowClientTimeout: Duration?
    /// Made when the server already held its limit of connections: it closes as it starts.
    private let isPastConnectionLimit: Bool
    /// Where the connection's tasks run, when the host prefers an executor (its socket's thread).
    private let taskExecutor: (any TaskExecutor)?
    private let state: Lock<State>
    /// Set once the connection has ended and every task and hook has finished.
    private let finished = OneShot<Void>()

    private struct State {
        var machine: any ServerStateMachine
        var started = false
        var context: Context?
        /// The payload of the `connection_init` being decided or accepted.
        var initPayload: JSONObject?
        /// The tasks the connection runs, by number: operations are numbered by their run.
        var operations: [UInt64: Task<Void, Never>] = [:]
        /// Every other task: hooks and timers.
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextTask: UInt64 = 0
        var initTimer: UInt64?
        /// The timer that closes a client that reads nothing while operations wait for room, and the
        /// outbound queue's take count when it started.
        var slowClientTimer: (task: UInt64, takes: UInt64)?
        /// Tasks whose work is pointless once the connection ends (timers, the connect hook): cancelled
        /// then. Other hooks run to their end.
        var cancelledOnEnd: Set<UInt64> = []
        var closure = ConnectionClosure(code: nil, reason: "")
        var initiator = CloseInitiator.client
        /// The machine closed: once the tasks are done, the end hooks run.
        var ending = false
        var endHooksStarted = false
    }

    deinit {
        server.connections.release()
    }

    init(
        server: GraphQLWebSocketServer<Executor>,
        subprotocol: WebSocketSubprotocol,
        mismatch: Bool,
        request: UpgradeRequest,
        clock: any Clock<Duration>,
        taskExecutor: (any TaskExecutor)?
    ) {
        self.server = server
        self.taskExecutor = taskExecutor
        self.subprotocol = subprotocol
        self.request = request
        self.clock = clock
        let (id, alive) = server.connections.makeID()
        self.id = id
        // Upgrades decided at the same moment (on different event loops) may all have seen room:
        // those past the limit close as they start, so the limit holds.
        isPastConnectionLimit = alive > server.upgradePolicy.maxConnections
        observer = server.observer
        let onBatch = Self.batchObserver(server.observer, ObservedConnection(id: id, subprotocol: subprotocol))
        let setup = server.connectionSetup(speaking: subprotocol, negotiatedOtherProtocol: mismatch)
        outbound = OutboundQueue(budget: setup.outboundBudget, onBatch: onBatch)
        if let timeout = setup.initWaitTimeout, timeout > .zero {
            initTimeout = Self.sleeper(clock, until: timeout)
        } else {
            initTimeout = nil
        }
        slowClientTimeout = setup.slowClientTimeout
        state = Lock(State(machine: setup.machine))
    }

    private static func batchObserver(
        _ observer: (any GraphQLWebSocketObserver)?,
        _ connection: ObservedConnection
    ) -> (@Sendable ([OutboundMessage]) -> Void)? {
        guard let observer else { return nil }
        return { batch in
            var count = 0
            var bytes = 0
            for case .text(let frame) in batch {
                count += 1
                bytes += frame.count
            }
            if count > 0 { observer.observe(.messagesSent(count: count, bytes: bytes), on: connection) }
        }
    }

    private func observe(_ event: GraphQLWebSocketEvent) {
        observer?.observe(event, on: ObservedConnection(id: id, subprotocol: subprotocol))
    }

    private static func sleeper<C: Clock<Duration>>(_ clock: C, until delay: Duration) -> @Sendable () async throws -> Void {
        let deadline = clock.now.advanced(by: delay)
        return { try await clock.sleep(until: deadline, tolerance: nil) }
    }

    // MARK: Inputs

    /// Hands the connection one inbound frame. The protocol's answer to it, if any, is queued on
    /// ``outbound`` before the call returns.
    public func receive(_ frame: InboundFrame) {
        handle { state in
            observe(.messageReceived(bytes: frame.byteCount))
            // Answers to a client that sends without reading would pile up without bound.
            if outbound.isFlooded {
                return state.machine.closeForHost(code: Self.clientTooSlowCode, reason: Self.clientTooSlowReason)
            }
            return state.machine.received(frame)
        }
    }

    /// The close of a client that does not read: it sent more while a budget's worth of answers
    /// waited for it (`OutboundQueue.isFlooded`), or it took nothing for the slow-client timeout while
    /// operations waited for room: 1008 (policy violation).
    static var clientTooSlowCode: UInt16 { 1008 }
    /// The close of a connection past the server's connection limit, upgraded at the same moment as
    /// the one that reached it: 1013 (try again later).
    static var tooManyConnectionsCode: UInt16 { 1013 }
    static var clientTooSlowReason: String { "Client too slow: outbound buffer full" }

    /// Tells the connection that the socket is gone: operations are cancelled and nothing more is sent.
    ///
    /// - Parameters:
    ///   - code: The close code the peer sent, if any.
    ///   - reason: The close reason the peer sent.
    public func transportClosed(code: UInt16?, reason: String) {
        handle { state in
            guard !state.machine.isClosed else { return [] }
            state.closure = ConnectionClosure(code: code, reason: reason)
            state.initiator = .client
            return state.machine.transportClosed()
        }
    }

    /// Closes the connection from the host's side (for example an oversized message or a shutdown):
    /// operations are cancelled and a close frame is the last message.
    public func close(code: UInt16, reason: String) {
        handle { $0.machine.closeForHost(code: code, reason: reason) }
    }

    /// Feeds the machine one input and carries out its actions, in order, before any other input.
    ///
    /// Frames are queued while the state is locked, so the order of frames is the order of the
    /// machine's decisions. Nothing here waits: hooks and operations run in tasks.
    private func handle(_ input: (inout State) -> [ServerAction]) {
        state.withLock { state in
            start(&state)
            let wasAcknowledged = state.machine.isAcknowledged
            perform(input(&state), on: &state)
            if !wasAcknowledged, state.machine.isAcknowledged {
                observe(.acknowledged(traceHeaders: TraceHeaders.of(state.initPayload)))
                // Only the acknowledgement's trace fields needed it.
                state.initPayload = nil
            }
            if let timer = state.initTimer, !state.machine.awaitsInit {
                state.initTimer = nil
                state.cancelledOnEnd.remove(timer)
                state.tasks.removeValue(forKey: timer)?.cancel()
            }
            finishIfDone(&state)
        }
    }

    /// Starts the connection on its first input or when it is run.
    private func start(_ state: inout State) {
        guard !state.started else { return }
        state.started = true
        observe(.opened(traceHeaders: TraceHeaders.of(request)))
        let goingAway = server.connections.register(id: id) { [weak self] code, reason in
            self?.close(code: code, reason: reason)
        }
        if let initTimeout {
            state.initTimer = spawnCancelledOnEnd(&state) { [weak self] in
                guard (try? await initTimeout()) != nil else { return }
                self?.handle { $0.machine.initTimeoutFired() }
            }
        }
        perform(state.machine.opened(), on: &state)
        if let goingAway {
            perform(state.machine.closeForHost(code: goingAway.code, reason: goingAway.reason), on: &state)
        } else if isPastConnectionLimit {
            perform(state.machine.closeForHost(code: Self.tooManyConnectionsCode, reason: "Too many connections"), on: &state)
        }
    }

    private func perform(_ actions: [ServerAction], on state: inout State) {
        for action in actions {
            switch action {
            case .send(let frame):
                outbound.send(frame, answering: true)
            case .runConnectHook(let payload):
                state.initPayload = payload
                let (onConnect, request) = (server.hooks.onConnect, request)
                // Its answer means nothing once the connection ended (a close while it decides).
                spawnCancelledOnEnd(&state) { [weak self] in
                    let outcome: Result<ConnectionDecision<Context>, any Error>
                    do {
                        outcome = .success(try await onConnect(payload, request))
                    } catch {
                        outcome = .failure(error)
                    }
                    self?.connectHookFinished(outcome)
                }
            case .startOperation(let id, let run, let request):
                // Reported before anything can fail, as the machine counts the operation live from
                // here on and will end it exactly once.
                observe(.operationStarted(id, operationName: request.operationName, operationType: request.operationType))
                guard let context = state.context ?? server.hooks.contextWithoutInit?() else {
                    perform(state.machine.operation(run: run, produced: .executionFailed(message: "No context")), on: &state)
                    continue
                }
                state.operations[run] = Task(executorPreference: taskExecutor) { [self] in
                    await runOperation(run: run, id: id, request: request, context: context)
                    taskFinished(operation: run)
                }
            case .cancelOperation(let run):
                state.operations[run]?.cancel()
            case .operationEnded(let id, let end):
                observe(.operationEnded(id, end))
                if let onOperationComplete = server.hooks.onOperationComplete {
                    spawn(&state) { await onOperationComplete(id) }
                }
            case .startKeepAlive(let interval):
                startKeepAlive(clock, every: interval, &state)
            case .notifyPing(let payload):
                if let onPing = server.hooks.onPing { spawn(&state) { await onPing(payload) } }
            case .notifyPong(let payload):
                if let onPong = server.hooks.onPong { spawn(&state) { await onPong(payload) } }
            case .close(let code, let reason):
                state.closure = ConnectionClosure(code: code, reason: reason)
                state.initiator = .server
                outbound.close(code: code, reason: reason)
                end(&state)
            case .finish:
                outbound.abandon()
                end(&state)
            }
        }
    }

    private func connectHookFinished(_ outcome: Result<ConnectionDecision<Context>, any Error>) {
        handle { state in
            switch outcome {
            case .success(.accept(let context, let payload)):
                state.context = context
                return state.machine.connectHookFinished(.accepted(acknowledgementPayload: payload))
            case .success(.reject(let message)):
                let actions = state.machine.connectHookFinished(.rejected(message: message))
                if !actions.isEmpty { observe(.refused) }
                return actions
            case .failure(let error):
                let actions = state.machine.connectHookFinished(.failed(message: messageOf(error)))
                if !actions.isEmpty { observe(.connectHookFailed(message: messageOf(error))) }
                return actions
            }
        }
    }

    // MARK: Tasks

    /// Starts a task the connection owns and waits for before it ends.
    @discardableResult
    private func spawn(_ state: inout State, _ work: @escaping @Sendable () async -> Void) -> UInt64 {
        state.nextTask += 1
        let key = state.nextTask
        state.tasks[key] = Task(executorPreference: taskExecutor) { [self] in
            await work()
            taskFinished(key)
        }
        return key
    }

    /// Starts a task whose work is pointless once the connection ends (a timer, the connect hook):
    /// it is cancelled then.
    @discardableResult
    private func spawnCancelledOnEnd(_ state: inout State, _ work: @escaping @Sendable () async -> Void) -> UInt64 {
        let key = spawn(&state, work)
        state.cancelledOnEnd.insert(key)
        return key
    }

    private func startKeepAlive<C: Clock<Duration>>(_ clock: C, every interval: Duration, _ state: inout State) {
        // The first deadline is taken now, and later ones are counted from it, so ticks never
        // drift with task scheduling.
        let first = clock.now.advanced(by: interval)
        spawnCancelledOnEnd(&state) { [weak self] in
            var deadline = first
            while (try? await clock.sleep(until: deadline, tolerance: nil)) != nil {
                guard let self else { return }
                self.handle { $0.machine.keepAliveTimerFired() }
                deadline = deadline.advanced(by: interval)
            }
        }
    }

    private func taskFinished(_ key: UInt64) {
        state.withLock { state in
            state.tasks[key] = nil
            state.cancelledOnEnd.remove(key)
            finishIfDone(&state)
        }
    }

    private func taskFinished(operation run: UInt64) {
        state.withLock { state in
            state.operations[run] = nil
            finishIfDone(&state)
        }
    }

    /// The machine closed: cancel every operation and timer; the end hooks follow once all tasks
    /// have finished.
    private func end(_ state: inout State) {
        guard !state.ending else { return }
        state.ending = true
        for operation in state.operations.values { operation.cancel() }
        for task in state.cancelledOnEnd { state.tasks[task]?.cancel() }
        state.initTimer = nil
    }

    private func finishIfDone(_ state: inout State) {
        guard state.ending, !state.endHooksStarted, state.operations.isEmpty, state.tasks.isEmpty else { return }
        state.endHooksStarted = true
        let context = state.machine.isAcknowledged ? state.context : nil
        let (closure, initiator) = (state.closure, state.initiator)
        observe(.closed(closure, initiator: initiator))
        let (hooks, connections, finished, id) = (server.hooks, server.connections, finished, id)
        guard hooks.onClose != nil || (context != nil && hooks.onDisconnect != nil) else {
            // No hook to run: no task either.
            connections.unregister(id)
            finished.fulfill(())
            return
        }
        Task {
            if let context { await hooks.onDisconnect?(context, closure) }
            await hooks.onClose?(closure)
            connections.unregister(id)
            finished.fulfill(())
        }
    }

    // MARK: Running

    /// Runs the connection, writing through two closures: the seed's simple interface.
    ///
    /// A `send` that throws is taken as the socket being gone.
    ///
    /// - Parameters:
    ///   - send: Writes one text frame.
    ///   - close: Writes the close frame.
    public func run(
        send: @escaping @Sendable (String) async throws -> Void,
        close: @escaping @Sendable (_ code: UInt16, _ reason: String) async throws -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.run() }
            group.addTask {
                _ = await self.writeOutbound { batch in
                    for message in batch {
                        switch message {
                        case .text(let bytes): try await send(String(decoding: bytes, as: UTF8.self))
                        case .close(let code, let reason):
                            try await close(code, reason)
                            return true
                        }
                    }
                    return false
                }
            }
        }
    }

    /// Starts the connection for a host that drives it from callbacks rather than from a task that
    /// waits in ``run()``; `onFinished` is called once the connection has ended and every operation
    /// and hook has finished.
    ///
    /// - Parameter onFinished: Called once, on the thread that finishes the connection's last work;
    ///   it must not block.
    public func start(onFinished: @escaping @Sendable () -> Void) {
        state.withLock { start(&$0) }
        finished.whenFulfilled { onFinished() }
    }

    /// Runs the connection until it has ended and every operation and hook has finished.
    ///
    /// Cancelling the calling task ends the connection as if the socket went away; the call still
    /// returns only once the connection's work has finished.
    public func run() async {
        state.withLock { start(&$0) }
        await withTaskCancellationHandler {
            await finished.wait()
        } onCancel: {
            transportClosed()
        }
    }

    // MARK: Operations

    /// Runs one operation and reports what it produces to the machine, until it ends or is
    /// cancelled. The application's hooks see it on the way: `onOperation` may change the request,
    /// `onSubscribe` may answer without executing, `onNext` changes or drops each result and
    /// `onError` the GraphQL errors it ends with.
    private func runOperation(run: UInt64, id: OperationID, request: OperationRequest, context: Context) async {
        let hooks = server.hooks
        // Without an onNext hook, results go out as they are, with no call per result.
        let onNext = hooks.onNext.map { onNext in { @Sendable (result: ExecutionResult) in onNext(id, result, context) } }
        let failed: @Sendable ([GraphQLFormattedError]) -> [GraphQLFormattedError] = { errors in
            hooks.onError.map { $0(id, errors, context) } ?? errors
        }
        var request = request
        let outcome: ExecutionOutcome
        do {
            if let onOperation = hooks.onOperation {
                request = try await onOperation(id, request, context)
            }
            if let onSubscribe = hooks.onSubscribe, let answer = try await onSubscribe(id, request, context) {
                outcome = answer
            } else {
                outcome = try await server.executor.execute(request, context: context)
            }
        } catch let error as GraphQLRequestError {
            report(run, .requestFailed(failed(error.errors)))
            return
        } catch {
            report(run, .executionFailed(message: messageOf(error)))
            return
        }
        switch outcome {
        case .single(let result):
            if outbound.isOverBudget { await waitForRoom() }
            // A dropped single result leaves the operation to complete without one.
            let sent = onNext.map { $0(result) } ?? result
            if let sent, !report(run, sent) { return }
            report(run, .completed)
        case .rejected(let errors):
            report(run, .rejected(failed(errors)))
        case .stream(let results as any PushedResults):
            do {
                let deliverResult: @Sendable (ExecutionResult) -> ResultDelivery
                if let onNext {
                    deliverResult = { [self] result in
                        guard let result = onNext(result) else { return .delivered }
                        return deliver(run, result)
                    }
                } else {
                    deliverResult = { [self] result in deliver(run, result) }
                }
                try await results.push(
                    to: ResultSink(
                        connection: ObjectIdentifier(self),
                        deliver: deliverResult,
                        flush: { [outbound] in outbound.wakeTransport() },
                        batch: onNext == nil ? (self, run) : nil
                    )
                )
            } catch {
                report(run, .streamFailed(failed(Self.errors(of: error))))
                return
            }
            report(run, .completed)
        case .stream(let results):
            if Task.isCancelled {
                await Self.terminate(results)
                return
            }
            do {
                var sentSinceYield = 0
                for try await result in results {
                    var result = result
                    if let onNext {
                        guard let changed = onNext(result) else { continue }
                        result = changed
                    }
                    if outbound.isOverBudget { await waitForRoom() }
                    guard report(run, result) else { return }
                    // A source that never suspends must not starve the other operations and
                    // connections sharing the cooperative pool.
                    sentSinceYield += 1
                    if sentSinceYield == 64 {
                        sentSinceYield = 0
                        await Task.yield()
                    }
                }
            } catch {
                report(run, .streamFailed(failed(Self.errors(of: error))))
                return
            }
            report(run, .completed)
        }
    }

    /// Waits while the outbound queue is over its budget (callers check ``OutboundQueue/isOverBudget``
    /// first, so results cost no call here while there is room). A client that takes nothing from it
    /// for the slow-client timeout meanwhile is closed (``clientTooSlowCode``): its operations would
    /// otherwise hold their resources for as long as it keeps the socket open.
    private func waitForRoom() async {
        watchForSlowClient()
        await outbound.waitForRoom()
    }

    /// Starts the slow-client timer unless one runs since the transport last took messages.
    private func watchForSlowClient() {
        guard let slowClientTimeout else { return }
        let takes = outbound.takeCount
        state.withLock { state in
            guard !state.ending, state.slowClientTimer?.takes != takes else { return }
            if let previous = state.slowClientTimer { state.tasks[previous.task]?.cancel() }
            let sleep = Self.sleeper(clock, until: slowClientTimeout)
            let task = spawnCancelledOnEnd(&state) { [weak self] in
                guard (try? await sleep()) != nil else { return }
                self?.slowClientTimerFired(takes: takes)
            }
            state.slowClientTimer = (task, takes)
        }
    }

    private func slowClientTimerFired(takes: UInt64) {
        handle { state in
            // The client took something since the timer started: it reads, only slowly.
            guard outbound.isOverBudget, outbound.takeCount == takes else { return [] }
            return state.machine.closeForHost(code: Self.clientTooSlowCode, reason: Self.clientTooSlowReason)
        }
    }

    /// Queues the frame of one result of a run, if the run is still live.
    ///
    /// - Returns: Whether the run is live.
    private func report(_ run: UInt64, _ result: ExecutionResult) -> Bool {
        state.withLock { state in
            guard let frame = state.machine.resultFrame(run: run, result) else { return false }
            outbound.send(frame)
            return true
        }
    }

    /// Queues a pushed result without waking the transport, unless the client is too far behind or
    /// the run is over.
    private func deliver(_ run: UInt64, _ result: ExecutionResult) -> ResultDelivery {
        state.withLock { queue(result, forRun: run, in: $0) }
    }

    private func queue(_ result: ExecutionResult, forRun run: UInt64, in state: State) -> ResultDelivery {
        guard let frame = state.machine.resultFrame(run: run, result) else { return .operationEnded }
        return outbound.queueQuietly(frame)
    }

    package func queue(
        _ result: ExecutionResult,
        forRuns runs: [UInt64],
        refused: inout [(index: Int, delivery: ResultDelivery)]
    ) {
        state.withLock { state in
            for (index, run) in runs.enumerated() {
                let delivery = queue(result, forRun: run, in: state)
                if delivery != .delivered { refused.append((index, delivery)) }
            }
        }
    }

    package func wakeTransport() {
        outbound.wakeTransport()
    }

    private func report(_ run: UInt64, _ output: OperationOutput) {
        handle { $0.machine.operation(run: run, produced: output) }
    }

    private static func errors(of error: any Error) -> [GraphQLFormattedError] {
        switch error {
        case let error as GraphQLRequestError: error.errors
        case let error as GraphQLFormattedError: [error]
        default: [GraphQLFormattedError(message: messageOf(error))]
        }
    }

    /// Ends a stream that was stopped before it was consumed: asking a cancellation-aware sequence
    /// for an element from a cancelled task makes it terminate; the element, if any, is dropped.
    private static func terminate(_ results: any AsyncSequence<ExecutionResult, any Error>) async {
        var iterator = results.makeAsyncIterator()
        _ = try? await iterator.next()
    }
}
