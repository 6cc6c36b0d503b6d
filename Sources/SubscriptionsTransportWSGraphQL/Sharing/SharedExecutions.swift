import GraphQL
import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// The live shared executions of one executor, by what makes subscriptions share them.
///
/// The first subscriber of a key creates the source stream and starts a pump task that executes
/// each event once and offers the result to every subscriber's buffer; later subscribers join.
/// When the last subscriber leaves, the pump is cancelled (which ends the source) and the key is
/// free again.
final class SharedExecutions: Sendable {
    struct Key: Hashable, Sendable {
        let document: DocumentCache.Key
        let variables: JSONObject
        let contextKey: String
    }

    private let groups = Lock<[Key: SharedExecution]>([:])

    /// How many shared executions are live.
    var count: Int { groups.withLock { $0.count } }

    /// Subscribes to the shared execution for `key`, starting it when there is none.
    ///
    /// - Parameters:
    ///   - key: What subscriptions share.
    ///   - bufferSize: The subscriber's buffer size.
    ///   - plan: The operation's plan.
    ///   - resolverContext: The context resolvers run with, if this subscriber starts the execution.
    ///   - rootValue: The executor's root value, for the source's resolver.
    ///   - failure: The outcome for a source that cannot be created, from its errors.
    /// - Returns: The subscriber's results.
    func subscribe(
        key: Key,
        bufferSize: Int,
        plan: ExecutionPlan,
        resolverContext: any Sendable,
        rootValue: any Sendable,
        failure: @escaping @Sendable ([GraphQLError]) -> ExecutionResult
    ) async -> ExecutionOutcome {
        let buffer = SharedResultBuffer(capacity: bufferSize)
        let (group, starts) = groups.withLock { groups -> (SharedExecution, Bool) in
            if let group = groups[key] {
                group.add(buffer)
                return (group, false)
            }
            let group = SharedExecution()
            group.add(buffer)
            groups[key] = group
            return (group, true)
        }
        buffer.setOnClose { [weak self] in self?.leave(group, buffer: buffer, key: key) }
        guard starts else { return .stream(SharedResults(buffer: buffer)) }

        switch await plan.sourceStream(rootValue: rootValue, context: resolverContext) {
        case .success(let source):
            group.start { [weak self] in
                await Self.pump(source: source, plan: plan, context: resolverContext, to: group)
                self?.end(group, key: key)
            }
            return .stream(SharedResults(buffer: buffer))
        case .failure(let errors):
            // Subscribers that joined meanwhile get the same single result; the key is free again.
            end(group, key: key)
            let result = failure(errors.errors)
            for member in group.members where member !== buffer {
                member.offer(result)?.flush()
                member.finish(nil)
            }
            buffer.close()
            return .single(result)
        }
    }

    /// Executes each event once and offers the result to every subscriber.
    private static func pump(
        source: any AsyncSequence & Sendable,
        plan: ExecutionPlan,
        context: any Sendable,
        to group: SharedExecution
    ) async {
        var events = source.makeAsyncIterator()
        do {
            while let event = try await events.next(), !Task.isCancelled {
                let result = ExecutionResult(encodedJSON: await plan.execute(rootValue: assumeSendable(event), context: context))
                // Every subscriber's frame is queued first, then every connection is woken once:
                // their transports write together rather than one frame at a time. A connection's
                // subscribers usually follow one another, so most need no set lookup.
                var sinks: [ResultSink] = []
                var connections: Set<ObjectIdentifier> = []
                var lastConnection: ObjectIdentifier?
                for member in group.members {
                    guard let sink = member.offer(result), sink.connection != lastConnection else { continue }
                    lastConnection = sink.connection
                    if connections.insert(sink.connection).inserted { sinks.append(sink) }
                }
                for sink in sinks { sink.flush() }
            }
            for member in group.members { member.finish(nil) }
        } catch is CancellationError {
            for member in group.members { member.finish(nil) }
        } catch {
            for member in group.members { member.finish(error) }
        }
    }

    private func leave(_ group: SharedExecution, buffer: SharedResultBuffer, key: Key) {
        let emptied = groups.withLock { groups -> Bool in
            guard group.remove(buffer) else { return false }
            if groups[key] === group { groups[key] = nil }
            return true
        }
        if emptied { group.cancel() }
    }

    /// The execution is over: the key no longer joins it.
    private func end(_ group: SharedExecution, key: Key) {
        groups.withLock { groups in
            if groups[key] === group { groups[key] = nil }
        }
    }
}

/// One shared execution: its subscribers and the task that pumps events to them.
final class SharedExecution: Sendable {
    private struct State {
        var members: [SharedResultBuffer] = []
        /// Where each member is in ``members``, so that leaving costs the same with ten thousand.
        var positions: [ObjectIdentifier: Int] = [:]
        var pump: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Lock(State())

    var members: [SharedResultBuffer] { state.withLock { $0.members } }

    func add(_ member: SharedResultBuffer) {
        state.withLock { state in
            state.positions[ObjectIdentifier(member)] = state.members.count
            state.members.append(member)
        }
    }

    /// Removes a subscriber; the last one takes its place.
    ///
    /// - Returns: Whether it was the last one.
    func remove(_ member: SharedResultBuffer) -> Bool {
        state.withLock { state in
            if let position = state.positions.removeValue(forKey: ObjectIdentifier(member)) {
                let last = state.members.removeLast()
                if position < state.members.count {
                    state.members[position] = last
                    state.positions[ObjectIdentifier(last)] = position
                }
            }
            return state.members.isEmpty
        }
    }

    /// Starts the pump, unless every subscriber already left.
    ///
    /// The pump is a task of its own: it serves every subscriber and outlives any one of them.
    func start(_ pump: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard !state.cancelled else { return }
            state.pump = Task(operation: pump)
        }
    }

    func cancel() {
        let pump = state.withLock { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.pump
        }
        pump?.cancel()
    }
}

/// One subscriber's results of a shared execution: pushed to its connection, or iterated.
struct SharedResults: PushedResults {
    typealias Element = ExecutionResult
    typealias Failure = any Error

    /// Closes the buffer when the last copy of the sequence goes, so a subscriber that is dropped
    /// without being iterated to its end still leaves.
    final class Handle: Sendable {
        let buffer: SharedResultBuffer

        init(buffer: SharedResultBuffer) {
            self.buffer = buffer
        }

        deinit {
            buffer.close()
        }
    }

    let handle: Handle

    init(buffer: SharedResultBuffer) {
        self.handle = Handle(buffer: buffer)
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: handle)
    }

    func push(to sink: ResultSink) async throws {
        try await handle.buffer.push(to: sink)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: Handle

        mutating func next() async throws -> ExecutionResult? {
            try await handle.buffer.next()
        }
    }
}
