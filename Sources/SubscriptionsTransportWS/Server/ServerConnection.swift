/// The protocol side of one GraphQL WebSocket connection, for either protocol.
///
/// The host feeds inbound frames with ``receive(_:)`` in the order they arrive, runs ``run()`` (or
/// ``run(send:close:)``) for the life of the socket, writes what ``outbound`` yields, and reports the
/// socket's end with ``transportClosed(code:reason:)``. Intake is serial and never waits for an
/// operation: each operation runs in its own child task, and a client stop, a replacing `start`
/// or the end of the connection cancel it.
public final class ServerConnection<Executor: GraphQLExecutor>: WebSocketServerConnection {
    typealias Context = Executor.Context

    enum Event: Sendable {
        case frame(InboundFrame)
        case connectHookFinished(Result<ConnectionDecision<Context>, any Error>)
        case operationEnded(id: OperationID, run: UInt64, end: OperationEnd)
        /// An operation failed in a way `graphql-transport-ws` answers by closing the connection.
        case internalError(message: String)
        case initTimeout
        case keepAliveTick
        case hostClose(code: UInt16, reason: String)
        case transportClosed(ConnectionClosure)
    }

    /// Numbers the connections of one server from 1, in the order they were created; observers and
    /// log messages name the connection by it.
    public let id: UInt64

    /// Frames to write, in order; a transport drains it batch by batch.
    public let outbound: OutboundQueue
    /// The protocol this connection speaks.
    public let subprotocol: WebSocketSubprotocol

    private let server: GraphQLWebSocketServer<Executor>
    private let observer: (any GraphQLWebSocketObserver)?
    private let clock: any Clock<Duration>
    private let mismatch: Bool
    private let events = ConnectionEventQueue<Event>()
    /// Sleeps until the init wait timeout, counted from the connection's creation.
    private let initTimeout: (@Sendable () async throws -> Void)?

    init(server: GraphQLWebSocketServer<Executor>, subprotocol: WebSocketSubprotocol, mismatch: Bool, clock: any Clock<Duration>) {
        self.server = server
        self.subprotocol = subprotocol
        self.mismatch = mismatch
        self.clock = clock
        id = server.connections.makeID()
        observer = server.observer
        let onBatch = Self.batchObserver(server.observer, ObservedConnection(id: id, subprotocol: subprotocol))
        let timeout: Duration?
        if subprotocol == .graphQLTransportWS {
            outbound = OutboundQueue(budget: server.graphQLTransportWSOptions.outboundBufferBytes, onBatch: onBatch)
            timeout = server.graphQLTransportWSOptions.connectionInitWaitTimeout
        } else {
            outbound = OutboundQueue(budget: server.graphQLWSOptions.outboundBufferBytes, onBatch: onBatch)
            timeout = server.graphQLWSOptions.connectionInitWaitTimeout
        }
        if let timeout, timeout > .zero, !Self.runsOperationsWithoutInit(server, subprotocol) {
            initTimeout = Self.sleeper(clock, until: timeout)
        } else {
            initTimeout = nil
        }
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

    /// Apollo's protocol may run operations without `connection_init`; then no init is awaited.
    private static func runsOperationsWithoutInit(_ server: GraphQLWebSocketServer<Executor>, _ subprotocol: WebSocketSubprotocol) -> Bool {
        subprotocol == .graphQLWS && server.graphQLWSOptions.allowOperationsWithoutInit
            && server.hooks.contextWithoutInit != nil
    }

    private static func sleeper<C: Clock<Duration>>(_ clock: C, until delay: Duration) -> @Sendable () async throws -> Void {
        let deadline = clock.now.advanced(by: delay)
        return { try await clock.sleep(until: deadline, tolerance: nil) }
    }

    private func makeMachine() -> any ServerStateMachine {
        if subprotocol == .graphQLTransportWS {
            return GraphQLTransportWSServerStateMachine(
                options: server.graphQLTransportWSOptions,
                pingHooks: (server.hooks.onPing != nil, server.hooks.onPong != nil),
                negotiatedOtherProtocol: mismatch
            )
        }
        return GraphQLWSServerStateMachine(
            options: server.graphQLWSOptions,
            operationsWithoutInitAllowed: Self.runsOperationsWithoutInit(server, subprotocol),
            negotiatedOtherProtocol: mismatch
        )
    }

    /// Hands the connection one inbound frame.
    ///
    /// Returns as soon as the frame is queued; waits only while many frames are already pending, which
    /// pushes back on a client that floods the socket.
    public func receive(_ frame: InboundFrame) async {
        await events.postFrame(.frame(frame))
    }

    /// Hands the connection one inbound frame without waiting, for hosts that read on an event loop.
    ///
    /// - Parameters:
    ///   - frame: The frame; it is always taken.
    ///   - resumeReading: Called once, from the connection's task, when the host may read again after
    ///     this call returned `false`.
    /// - Returns: `true` if the host may go on reading; `false` when many frames are already pending,
    ///   so the host should stop reading from the socket (pushing back on a flooding client) until
    ///   `resumeReading` is called.
    public func receive(_ frame: InboundFrame, resumeReading: @escaping @Sendable () -> Void) -> Bool {
        events.postFrame(.frame(frame), onRoom: resumeReading)
    }

    /// Tells the connection that the socket is gone: operations are cancelled and nothing more is sent.
    ///
    /// - Parameters:
    ///   - code: The close code the peer sent, if any.
    ///   - reason: The close reason the peer sent.
    public func transportClosed(code: UInt16?, reason: String) {
        events.post(.transportClosed(.init(code: code, reason: reason)))
    }

    /// Closes the connection from the host's side (for example an oversized message or a shutdown):
    /// operations are cancelled and a close frame is the last message.
    public func close(code: UInt16, reason: String) {
        events.post(.hostClose(code: code, reason: reason))
    }

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
                while let batch = await self.outbound.nextBatch() {
                    for message in batch {
                        do {
                            switch message {
                            case .text(let bytes): try await send(String(decoding: bytes, as: UTF8.self))
                            case .close(let code, let reason): try await close(code, reason)
                            }
                        } catch {
                            self.outbound.abandon()
                            self.transportClosed()
                            return
                        }
                    }
                }
            }
        }
    }

    /// Runs the connection until it ends and every operation and hook has finished.
    public func run() async {
        let goingAway = server.connections.register(id: id) { [events] code, reason in
            events.post(.hostClose(code: code, reason: reason))
        }
        defer { server.connections.unregister(id) }
        observe(.opened)
        if let goingAway {
            close(code: goingAway.code, reason: goingAway.reason)
        }
        await withDiscardingTaskGroup { group in
            var machine = makeMachine()
            var context: Context?
            var stopSignals: [UInt64: StopSignal] = [:]
            var closure = ConnectionClosure(code: nil, reason: "")
            var initiator = CloseInitiator.client

            if let initTimeout {
                group.addTask {
                    guard (try? await initTimeout()) != nil else { return }
                    self.events.post(.initTimeout)
                }
            }
            var actions = machine.opened()
            while true {
                for action in actions {
                    switch action {
                    case .send(let frame):
                        outbound.send(frame)
                    case .runConnectHook(let payload):
                        let onConnect = server.hooks.onConnect
                        group.addTask {
                            do {
                                self.events.post(.connectHookFinished(.success(try await onConnect(payload))))
                            } catch {
                                self.events.post(.connectHookFinished(.failure(error)))
                            }
                        }
                    case .startOperation(let id, let run, let request):
                        // Reported before anything can fail, as the machine counts the operation live
                        // from here on and will end it exactly once.
                        observe(.operationStarted(id, operationName: request.operationName))
                        guard let operationContext = context ?? server.hooks.contextWithoutInit?() else { continue }
                        let signal = StopSignal()
                        stopSignals[run] = signal
                        outbound.beginRun(run)
                        group.addTask {
                            await withDiscardingTaskGroup { operation in
                                operation.addTask {
                                    await self.runOperation(id: id, run: run, request: request, context: operationContext)
                                    signal.fire()
                                }
                                await signal.wait()
                                operation.cancelAll()
                            }
                        }
                    case .stopOperation(let id, let run, let frame):
                        outbound.endRun(run, sending: frame)
                        stopSignals.removeValue(forKey: run)?.fire()
                        observe(.operationEnded(id, .stopped))
                        await server.hooks.onOperationComplete?(id)
                    case .operationFinished(let id, let end):
                        observe(.operationEnded(id, end))
                        await server.hooks.onOperationComplete?(id)
                    case .startKeepAlive(let interval):
                        startKeepAlive(clock, group: &group, every: interval)
                    case .notifyPing(let payload):
                        await server.hooks.onPing?(payload)
                    case .notifyPong(let payload):
                        await server.hooks.onPong?(payload)
                    case .close(let code, let reason):
                        closure = .init(code: code, reason: reason)
                        initiator = .server
                        outbound.close(code: code, reason: reason)
                    case .finish:
                        outbound.abandon()
                    }
                }
                if machine.isClosed { break }
                guard let event = await events.next(isFrame: { if case .frame = $0 { true } else { false } }) else {
                    break
                }
                switch event {
                case .frame(let frame):
                    observe(.messageReceived(bytes: frame.byteCount))
                    actions = machine.received(frame)
                case .connectHookFinished(.success(.accept(let newContext, let payload))):
                    context = newContext
                    actions = machine.connectHookFinished(.accepted(acknowledgementPayload: payload))
                    if machine.isAcknowledged { observe(.acknowledged) }
                case .connectHookFinished(.success(.reject(let message))):
                    actions = machine.connectHookFinished(.rejected(message: message))
                    if !actions.isEmpty { observe(.refused) }
                case .connectHookFinished(.failure(let error)):
                    actions = machine.connectHookFinished(.failed(message: messageOf(error)))
                    if !actions.isEmpty { observe(.connectHookFailed(message: messageOf(error))) }
                case .operationEnded(let id, let run, let end):
                    actions = machine.operationEnded(id: id, run: run, end: end)
                    stopSignals[run] = nil
                case .internalError(let message):
                    actions = machine.closeForInternalError(message)
                case .initTimeout:
                    actions = machine.initTimeoutFired()
                case .keepAliveTick:
                    actions = machine.keepAliveTimerFired()
                case .hostClose(let code, let reason):
                    actions = machine.closeForHost(code: code, reason: reason)
                case .transportClosed(let peerClosure):
                    closure = peerClosure
                    initiator = .client
                    actions = machine.transportClosed()
                }
            }
            events.finish()
            group.cancelAll()
            observe(.closed(closure, initiator: initiator))
            if machine.isAcknowledged, let context {
                await server.hooks.onDisconnect?(context, closure)
            }
            await server.hooks.onClose?(closure)
        }
    }

    private func startKeepAlive<C: Clock<Duration>>(_ clock: C, group: inout DiscardingTaskGroup, every interval: Duration) {
        // The first deadline is taken now, in the intake, and later ones are counted from it, so
        // ticks never drift with task scheduling.
        var deadline = clock.now.advanced(by: interval)
        group.addTask {
            while (try? await clock.sleep(until: deadline, tolerance: nil)) != nil {
                self.events.post(.keepAliveTick)
                deadline = deadline.advanced(by: interval)
            }
        }
    }

    /// How an operation run ended, as far as the client must hear of it.
    private enum RunEnd {
        /// The operation's last frame, if any, and how it ended.
        case lastFrame([UInt8]?, OperationEnd)
        /// An unexpected failure that closes the connection (`graphql-transport-ws`).
        case closeConnection(message: String)
    }

    private func runOperation(id: OperationID, run: UInt64, request: OperationRequest, context: Context) async {
        let end = await operationOutput(id: id, run: run, request: request, context: context)
        switch end {
        case .lastFrame(let frame, let operationEnd):
            // The table learns of the end before the client can see it, so the id is free for reuse
            // by the time a client reacts to the last frame.
            events.post(.operationEnded(id: id, run: run, end: operationEnd))
            outbound.endRun(run, sending: frame)
        case .closeConnection(let message):
            events.post(.operationEnded(id: id, run: run, end: .failed(message: message)))
            if outbound.endRun(run, sending: nil) {
                events.post(.internalError(message: message))
            }
        }
    }

    /// Streams an operation's results and returns how it ended.
    private func operationOutput(id: OperationID, run: UInt64, request: OperationRequest, context: Context) async -> RunEnd {
        let transportWS = subprotocol == .graphQLTransportWS
        /// The operation ends with `errors` instead of results.
        func failure(_ errors: [GraphQLFormattedError]) -> RunEnd {
            let frame = transportWS ? GraphQLTransportWSServerFrame.error(id, errors) : GraphQLWSServerFrame.error(id, errors[0].message)
            return .lastFrame(frame, .failed(message: errors[0].message))
        }
        let stopped = RunEnd.lastFrame(nil, .stopped)
        var request = request
        let outcome: ExecutionOutcome
        do {
            if let onOperation = server.hooks.onOperation {
                request = try await onOperation(id, request, context)
            }
            outcome = try await server.executor.execute(request, context: context)
        } catch let error as GraphQLRequestError {
            return failure(error.errors)
        } catch {
            return transportWS ? .closeConnection(message: messageOf(error)) : failure([GraphQLFormattedError(message: messageOf(error))])
        }
        let next = transportWS ? GraphQLTransportWSServerFrame.next : GraphQLWSServerFrame.data
        switch outcome {
        case .single(let result):
            guard await outbound.send(next(id, result), run: run) else { return stopped }
        case .rejected(let errors):
            if transportWS { return failure(errors) }
            guard await outbound.send(GraphQLWSServerFrame.data(id, ExecutionResult(errors: errors)), run: run) else {
                return stopped
            }
            return .lastFrame(GraphQLWSServerFrame.complete(id), .failed(message: errors.first?.message ?? ""))
        case .stream(let results):
            if Task.isCancelled {
                await Self.terminate(results)
                return stopped
            }
            do {
                var sentSinceYield = 0
                for try await result in results {
                    guard await outbound.send(next(id, result), run: run) else { return stopped }
                    // A source that never suspends must not starve the other operations and
                    // connections sharing the cooperative pool.
                    sentSinceYield += 1
                    if sentSinceYield == 64 {
                        sentSinceYield = 0
                        await Task.yield()
                    }
                }
            } catch {
                return failure(Self.errors(of: error))
            }
        }
        return .lastFrame(transportWS ? GraphQLTransportWSServerFrame.complete(id) : GraphQLWSServerFrame.complete(id), .completed)
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
