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
        case operationEnded(id: OperationID, run: UInt64)
        case initTimeout
        case keepAliveTick
        case hostClose(code: UInt16, reason: String)
        case transportClosed(ServerHooks<Context>.Closure)
    }

    /// Frames to write, in order; a transport drains it batch by batch.
    public let outbound: OutboundQueue
    /// The protocol this connection speaks.
    public let subprotocol: WebSocketSubprotocol

    private let server: GraphQLWebSocketServer<Executor>
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
        let timeout: Duration?
        if subprotocol == .graphQLTransportWS {
            outbound = OutboundQueue(budget: server.graphQLTransportWSOptions.outboundBufferBytes)
            timeout = server.graphQLTransportWSOptions.connectionInitWaitTimeout
        } else {
            outbound = OutboundQueue(budget: server.graphQLWSOptions.outboundBufferBytes)
            timeout = server.graphQLWSOptions.connectionInitWaitTimeout
        }
        if let timeout, timeout > .zero, !Self.runsOperationsWithoutInit(server, subprotocol) {
            initTimeout = Self.sleeper(clock, until: timeout)
        } else {
            initTimeout = nil
        }
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
        let registration = server.connections.register { [events] code, reason in
            events.post(.hostClose(code: code, reason: reason))
        }
        defer { server.connections.unregister(registration.key) }
        if let goingAway = registration.goingAway {
            close(code: goingAway.code, reason: goingAway.reason)
        }
        await withDiscardingTaskGroup { group in
            var machine = makeMachine()
            var context: Context?
            var stopSignals: [UInt64: StopSignal] = [:]
            var closure = ServerHooks<Context>.Closure(code: nil, reason: "")

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
                        await server.hooks.onOperationComplete?(id)
                    case .operationFinished(let id):
                        await server.hooks.onOperationComplete?(id)
                    case .startKeepAlive(let interval):
                        startKeepAlive(clock, group: &group, every: interval)
                    case .notifyPing(let payload):
                        await server.hooks.onPing?(payload)
                    case .notifyPong(let payload):
                        await server.hooks.onPong?(payload)
                    case .close(let code, let reason):
                        closure = .init(code: code, reason: reason)
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
                    actions = machine.received(frame)
                case .connectHookFinished(.success(.accept(let newContext, let payload))):
                    context = newContext
                    actions = machine.connectHookFinished(.accepted(acknowledgementPayload: payload))
                case .connectHookFinished(.success(.reject(let message))):
                    actions = machine.connectHookFinished(.rejected(message: message))
                case .connectHookFinished(.failure(let error)):
                    actions = machine.connectHookFinished(.failed(message: messageOf(error)))
                case .operationEnded(let id, let run):
                    actions = machine.operationEnded(id: id, run: run)
                    stopSignals[run] = nil
                case .initTimeout:
                    actions = machine.initTimeoutFired()
                case .keepAliveTick:
                    actions = machine.keepAliveTimerFired()
                case .hostClose(let code, let reason):
                    actions = machine.closeForHost(code: code, reason: reason)
                case .transportClosed(let peerClosure):
                    closure = peerClosure
                    actions = machine.transportClosed()
                }
            }
            events.finish()
            group.cancelAll()
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

    /// How an operation ended, as far as the client must hear of it.
    private enum OperationEnd {
        /// The operation's last frame, if any.
        case lastFrame([UInt8]?)
        /// An unexpected failure that closes the connection (`graphql-transport-ws`).
        case closeConnection(reason: String)
    }

    private func runOperation(id: OperationID, run: UInt64, request: OperationRequest, context: Context) async {
        let end = await operationOutput(id: id, run: run, request: request, context: context)
        // The table learns of the end before the client can see it, so the id is free for reuse
        // by the time a client reacts to the last frame.
        events.post(.operationEnded(id: id, run: run))
        switch end {
        case .lastFrame(let frame):
            outbound.endRun(run, sending: frame)
        case .closeConnection(let reason):
            if outbound.endRun(run, sending: nil) {
                let reason = server.graphQLTransportWSOptions.exposesInternalErrorMessages
                    ? GraphQLTransportWSServerStateMachine.fittingReason(reason) : "Internal server error"
                events.post(.hostClose(code: 4500, reason: reason))
            }
        }
    }

    /// Streams an operation's results and returns how it ended.
    private func operationOutput(id: OperationID, run: UInt64, request: OperationRequest, context: Context) async -> OperationEnd {
        let transportWS = subprotocol == .graphQLTransportWS
        var request = request
        let outcome: ExecutionOutcome
        do {
            if let onOperation = server.hooks.onOperation {
                request = try await onOperation(id, request, context)
            }
            outcome = try await server.executor.execute(request, context: context)
        } catch let error as GraphQLRequestError {
            return .lastFrame(transportWS ? GraphQLTransportWSServerFrame.error(id, error.errors) : GraphQLWSServerFrame.error(id, error.errors[0].message))
        } catch {
            return transportWS ? .closeConnection(reason: messageOf(error)) : .lastFrame(GraphQLWSServerFrame.error(id, messageOf(error)))
        }
        let next = transportWS ? GraphQLTransportWSServerFrame.next : GraphQLWSServerFrame.data
        switch outcome {
        case .single(let result):
            guard await outbound.send(next(id, result), run: run) else { return .lastFrame(nil) }
        case .rejected(let errors):
            if transportWS { return .lastFrame(GraphQLTransportWSServerFrame.error(id, errors)) }
            guard await outbound.send(GraphQLWSServerFrame.data(id, ExecutionResult(errors: errors)), run: run) else {
                return .lastFrame(nil)
            }
        case .stream(let results):
            if Task.isCancelled {
                await Self.terminate(results)
                return .lastFrame(nil)
            }
            do {
                var sentSinceYield = 0
                for try await result in results {
                    guard await outbound.send(next(id, result), run: run) else { return .lastFrame(nil) }
                    // A source that never suspends must not starve the other operations and
                    // connections sharing the cooperative pool.
                    sentSinceYield += 1
                    if sentSinceYield == 64 {
                        sentSinceYield = 0
                        await Task.yield()
                    }
                }
            } catch {
                return .lastFrame(transportWS ? GraphQLTransportWSServerFrame.error(id, Self.errors(of: error)) : GraphQLWSServerFrame.error(id, messageOf(error)))
            }
        }
        return .lastFrame(transportWS ? GraphQLTransportWSServerFrame.complete(id) : GraphQLWSServerFrame.complete(id))
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
