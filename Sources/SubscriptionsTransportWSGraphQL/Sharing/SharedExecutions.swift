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

    /// How many subscribers take their results grouped by connection.
    var batchedSubscriberCount: Int {
        groups.withLock { Array($0.values) }.reduce(0) { count, group in
            count + group.members.count { $0.batch != nil }
        }
    }

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
        buffer.setOnPushed { [weak group] in group?.membersChanged() }
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
        var delivery = Delivery()
        do {
            while let event = try await events.next(), !Task.isCancelled {
                let result = ExecutionResult(encodedJSON: await plan.execute(rootValue: assumeSendable(event), context: context))
                delivery.update(from: group)
                delivery.deliver(result)
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

/// How the pump reaches the subscribers of one shared execution, rebuilt when they change.
///
/// Subscribers whose connection takes results in batches (``ResultBatchTarget``) are grouped by
/// connection: each event costs one call and one lock per connection, and touches none of those
/// subscribers' own state. The others are offered each result one by one.
private struct Delivery {
    private struct Connection {
        let target: any ResultBatchTarget
        var runs: [UInt64] = []
        var members: [SharedResultBuffer] = []
    }

    /// The members' version this was built from; `nil` when it must be rebuilt.
    private var version: UInt64?
    private var connections: [Connection] = []
    private var others: [SharedResultBuffer] = []
    private var refused: [(index: Int, delivery: ResultDelivery)] = []

    /// Rebuilds the grouping if the members changed since it was built.
    mutating func update(from group: SharedExecution) {
        let (version, members) = group.membersIfChanged(since: self.version)
        guard let members else { return }
        self.version = version
        connections = []
        others = []
        var positions: [ObjectIdentifier: Int] = [:]
        for member in members {
            guard let (target, run) = member.batch else {
                others.append(member)
                continue
            }
            let position = positions[ObjectIdentifier(target)] ?? connections.count
            if position == connections.count {
                positions[ObjectIdentifier(target)] = position
                connections.append(Connection(target: target))
            }
            connections[position].runs.append(run)
            connections[position].members.append(member)
        }
    }

    /// Queues `result` for every subscriber, then wakes each connection once, so that their
    /// transports write together.
    mutating func deliver(_ result: ExecutionResult) {
        var sinks: [ResultSink] = []
        var flushed: Set<ObjectIdentifier> = []
        var lastConnection: ObjectIdentifier?
        for member in others {
            guard let sink = member.offer(result), sink.connection != lastConnection else { continue }
            lastConnection = sink.connection
            if flushed.insert(sink.connection).inserted { sinks.append(sink) }
        }
        // By index: a loop over copies would retain each connection and its lists per event.
        for position in connections.indices {
            connections[position].target.queue(result, forRuns: connections[position].runs, refused: &refused)
            guard !refused.isEmpty else { continue }
            for (index, delivery) in refused {
                switch delivery {
                case .delivered: break
                case .operationEnded: connections[position].members[index].close()
                case .clientTooSlow: connections[position].members[index].endTooSlow()
                }
            }
            refused.removeAll(keepingCapacity: true)
            // Those subscribers take nothing more: group again before the next result.
            version = nil
        }
        for position in connections.indices { connections[position].target.wakeTransport() }
        for sink in sinks { sink.flush() }
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
        /// Changes whenever a member joins, leaves or starts taking pushed results.
        var version: UInt64 = 0
    }

    private let state = Lock(State())

    var members: [SharedResultBuffer] { state.withLock { $0.members } }

    /// The members and their version, unless the version is still `version`.
    func membersIfChanged(since version: UInt64?) -> (UInt64, [SharedResultBuffer]?) {
        state.withLock { state in
            (state.version, state.version == version ? nil : state.members)
        }
    }

    /// A member started taking pushed results.
    func membersChanged() {
        state.withLock { $0.version &+= 1 }
    }

    func add(_ member: SharedResultBuffer) {
        state.withLock { state in
            state.positions[ObjectIdentifier(member)] = state.members.count
            state.members.append(member)
            state.version &+= 1
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
                state.version &+= 1
            }
            return state.members.isEmpty
        }
    }

    /// Starts the pump, unless every subscriber already left.
    ///
    /// The pump is a task of its own: it serves every subscriber and outlives any one of them. It
    /// prefers the task executor of the subscriber that starts it (on SwiftNIO, that connection's
    /// event loop), so that an event's results are queued on the thread that writes them.
    func start(_ pump: @escaping @Sendable () async -> Void) {
        let executor = withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
        state.withLock { state in
            guard !state.cancelled else { return }
            state.pump = Task(executorPreference: executor, operation: pump)
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
