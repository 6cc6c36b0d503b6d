/// The protocol side of one `graphql-ws` WebSocket connection.
///
/// The host feeds inbound frames with ``receive(_:)`` in the order they arrive, runs ``run()`` (or
/// ``run(send:close:)``) for the life of the socket, writes what ``outbound`` yields, and reports the
/// socket's end with ``transportClosed()``. Intake is serial and never waits for an operation: each
/// operation runs in its own child task, and `stop`, a replacing `start` or the end of the
/// connection cancel it.
public final class GraphQLWSServerConnection<Executor: GraphQLExecutor>: Sendable {
    typealias Context = Executor.Context
    typealias Machine = GraphQLWSServerStateMachine

    enum Event: Sendable {
        case frame(InboundFrame)
        case connectHookFinished(Result<ConnectionDecision<Context>, any Error>)
        case operationEnded(id: OperationID, run: UInt64)
        case initTimeout
        case keepAliveTick
        case hostClose(code: UInt16, reason: String)
        case transportClosed
    }

    /// Frames to write, in order; a transport drains it batch by batch.
    public let outbound: OutboundQueue

    private let server: GraphQLWSServer<Executor>
    private let clock: any Clock<Duration>
    private let events = ConnectionEventQueue<Event>()
    /// Sleeps until the init wait timeout, counted from the connection's creation.
    private let initTimeout: (@Sendable () async throws -> Void)?

    init(server: GraphQLWSServer<Executor>, clock: any Clock<Duration>) {
        self.server = server
        self.clock = clock
        self.outbound = OutboundQueue(budget: server.options.outboundBufferBytes)
        let options = server.options
        if let timeout = options.connectionInitWaitTimeout,
            !(options.allowOperationsWithoutInit && server.hooks.contextWithoutInit != nil)
        {
            initTimeout = Self.sleeper(clock, until: timeout)
        } else {
            initTimeout = nil
        }
    }

    private static func sleeper<C: Clock<Duration>>(_ clock: C, until delay: Duration) -> @Sendable () async throws -> Void {
        let deadline = clock.now.advanced(by: delay)
        return { try await clock.sleep(until: deadline, tolerance: nil) }
    }

    /// Hands the connection one inbound frame.
    ///
    /// Returns as soon as the frame is queued; waits only while many frames are already pending, which
    /// pushes back on a client that floods the socket.
    public func receive(_ frame: InboundFrame) async {
        await events.postFrame(.frame(frame))
    }

    /// Tells the connection that the socket is gone: operations are cancelled and nothing more is sent.
    public func transportClosed() {
        events.post(.transportClosed)
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
        await withDiscardingTaskGroup { group in
            let options = server.options
            let withoutInit = options.allowOperationsWithoutInit && server.hooks.contextWithoutInit != nil
            var machine = Machine(options: options, operationsWithoutInitAllowed: withoutInit)
            var context: Context?
            var stopSignals: [UInt64: StopSignal] = [:]

            if let initTimeout {
                group.addTask {
                    guard (try? await initTimeout()) != nil else { return }
                    self.events.post(.initTimeout)
                }
            }
            while let event = await events.next(isFrame: { if case .frame = $0 { true } else { false } }) {
                let actions: [Machine.Action]
                switch event {
                case .frame(let frame):
                    actions = received(frame, machine: &machine)
                case .connectHookFinished(.success(.accept(let newContext, let payload))):
                    context = newContext
                    actions = machine.connectHookFinished(.accepted(acknowledgementPayload: payload))
                case .connectHookFinished(.success(.reject(let message))):
                    actions = machine.connectHookFinished(.rejected(message: message))
                case .connectHookFinished(.failure(let error)):
                    actions = machine.connectHookFinished(.rejected(message: messageOf(error)))
                case .operationEnded(let id, let run):
                    actions = machine.operationEnded(id: id, run: run)
                    stopSignals[run] = nil
                case .initTimeout:
                    actions = machine.initTimeoutFired()
                case .keepAliveTick:
                    actions = machine.keepAliveTimerFired()
                case .hostClose(let code, let reason):
                    actions = machine.closeForHost(code: code, reason: reason)
                case .transportClosed:
                    actions = machine.transportClosed()
                }
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
                    case .close(let code, let reason):
                        outbound.close(code: code, reason: reason)
                    case .finish:
                        outbound.abandon()
                    }
                }
                if machine.isClosed { break }
            }
            events.finish()
            group.cancelAll()
            await server.hooks.onDisconnect?(machine.isAcknowledged ? context : nil)
        }
    }

    private func received(_ frame: InboundFrame, machine: inout Machine) -> [Machine.Action] {
        let options = server.options
        switch frame {
        case .text(let text):
            guard text.utf8.count <= options.maxInboundMessageBytes else {
                return machine.received(.malformed(message: "Message exceeds \(options.maxInboundMessageBytes) bytes"))
            }
            return machine.received(GraphQLWSClientMessage.decode(text.utf8))
        case .binary(let bytes):
            guard options.binaryFrames.accepted else {
                return machine.closeForHost(code: 1002, reason: "Binary frames are not supported")
            }
            guard bytes.count <= options.maxInboundMessageBytes else {
                return machine.received(.malformed(message: "Message exceeds \(options.maxInboundMessageBytes) bytes"))
            }
            guard String(validating: bytes, as: UTF8.self) != nil else {
                return machine.received(.malformed(message: "Binary message is not valid UTF-8"))
            }
            return machine.received(GraphQLWSClientMessage.decode(bytes))
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

    private func runOperation(id: OperationID, run: UInt64, request: OperationRequest, context: Context) async {
        let lastFrame = await operationOutput(id: id, run: run, request: request, context: context)
        // The table learns of the end before the client can see it, so the id is free for reuse
        // by the time a client reacts to the last frame.
        events.post(.operationEnded(id: id, run: run))
        outbound.endRun(run, sending: lastFrame)
    }

    /// Streams an operation's results and returns its terminal frame.
    private func operationOutput(
        id: OperationID,
        run: UInt64,
        request: OperationRequest,
        context: Context
    ) async -> [UInt8]? {
        var request = request
        let outcome: ExecutionOutcome
        do {
            if let onOperation = server.hooks.onOperation {
                request = try await onOperation(id, request, context)
            }
            outcome = try await server.executor.execute(request, context: context)
        } catch {
            return GraphQLWSServerFrame.error(id, messageOf(error))
        }
        switch outcome {
        case .single(let result):
            guard await outbound.send(GraphQLWSServerFrame.data(id, result), run: run) else { return nil }
        case .rejected(let errors):
            guard await outbound.send(GraphQLWSServerFrame.data(id, ExecutionResult(errors: errors)), run: run)
            else { return nil }
        case .stream(let results):
            if Task.isCancelled {
                await Self.terminate(results)
                return nil
            }
            do {
                for try await result in results {
                    guard await outbound.send(GraphQLWSServerFrame.data(id, result), run: run) else { return nil }
                }
            } catch {
                return GraphQLWSServerFrame.error(id, messageOf(error))
            }
        }
        return GraphQLWSServerFrame.complete(id)
    }

    /// Ends a stream that was stopped before it was consumed: asking a cancellation-aware sequence
    /// for an element from a cancelled task makes it terminate; the element, if any, is dropped.
    private static func terminate(_ results: any AsyncSequence<ExecutionResult, any Error>) async {
        var iterator = results.makeAsyncIterator()
        _ = try? await iterator.next()
    }
}
