import Synchronization

/// The serial intake of a connection: every input (frames, hook results, operation ends, timer ticks)
/// is handled by one consumer in the order it was posted.
///
/// Inbound frames are bounded: a host that feeds frames faster than the connection handles them waits,
/// which pushes back on the client through the host's socket. Internal events are never refused.
final class ConnectionEventQueue<Event: Sendable>: Sendable {
    private struct State {
        var events: [Event] = []
        var head = 0
        var pendingFrames = 0
        var finished = false
        var consumer: CheckedContinuation<Event?, Never>?
        var blockedProducers: [CheckedContinuation<Void, Never>] = []
        /// A host that stopped reading until frames are handled.
        var roomWaiter: (@Sendable () -> Void)?

        /// The producers to release now that a frame was taken.
        mutating func takeBlockedProducers() -> (tasks: [CheckedContinuation<Void, Never>], host: (@Sendable () -> Void)?) {
            defer { blockedProducers = [] }
            return (blockedProducers, roomWaiter.take())
        }
    }

    private let state = Mutex(State())
    private let maxPendingFrames: Int

    init(maxPendingFrames: Int = 64) {
        self.maxPendingFrames = maxPendingFrames
    }

    /// Posts an internal event.
    func post(_ event: Event) {
        let consumer = state.withLock { state -> CheckedContinuation<Event?, Never>? in
            guard !state.finished else { return nil }
            if let consumer = state.consumer.take() { return consumer }
            state.events.append(event)
            return nil
        }
        consumer?.resume(returning: event)
    }

    /// Posts an inbound frame, waiting while too many frames are pending.
    func postFrame(_ event: Event) async {
        while true {
            let (posted, consumer) = state.withLock { state -> (Bool, CheckedContinuation<Event?, Never>?) in
                if state.finished { return (true, nil) }
                guard state.pendingFrames < maxPendingFrames else { return (false, nil) }
                if let consumer = state.consumer.take() { return (true, consumer) }
                state.events.append(event)
                state.pendingFrames += 1
                return (true, nil)
            }
            consumer?.resume(returning: event)
            if posted { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.finished || state.pendingFrames < maxPendingFrames { return true }
                    state.blockedProducers.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Posts an inbound frame without waiting.
    ///
    /// The frame is always taken. When too many frames are pending, `onRoom` is kept and called once
    /// the connection has handled one, and the host should read no more until then.
    ///
    /// - Returns: `true` if the host may go on reading.
    func postFrame(_ event: Event, onRoom: @escaping @Sendable () -> Void) -> Bool {
        let (mayContinue, consumer) = state.withLock { state -> (Bool, CheckedContinuation<Event?, Never>?) in
            if state.finished { return (true, nil) }
            if let consumer = state.consumer.take() { return (true, consumer) }
            state.events.append(event)
            state.pendingFrames += 1
            guard state.pendingFrames >= maxPendingFrames else { return (true, nil) }
            state.roomWaiter = onRoom
            return (false, nil)
        }
        consumer?.resume(returning: event)
        return mayContinue
    }

    /// The next event, or `nil` after ``finish()``.
    ///
    /// - Parameter isFrame: Tells whether an event was posted with ``postFrame(_:)``.
    func next(isFrame: (Event) -> Bool) async -> Event? {
        while true {
            let (dequeued, released) = state.withLock {
                state -> (Event??, (tasks: [CheckedContinuation<Void, Never>], host: (@Sendable () -> Void)?)) in
                guard state.head < state.events.count else {
                    return (state.finished ? .some(nil) : nil, ([], nil))
                }
                let event = state.events[state.head]
                state.head += 1
                if state.head == state.events.count {
                    state.events.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                guard isFrame(event) else { return (.some(event), ([], nil)) }
                state.pendingFrames -= 1
                return (.some(event), state.takeBlockedProducers())
            }
            for continuation in released.tasks { continuation.resume() }
            released.host?()
            if let dequeued { return dequeued }
            // Resumed with an event handed over directly, or with nil to look again.
            let handed = await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
                let registered = state.withLock { state -> Bool in
                    if state.head < state.events.count || state.finished { return false }
                    state.consumer = continuation
                    return true
                }
                if !registered { continuation.resume(returning: nil) }
            }
            if let handed { return handed }
        }
    }

    /// Stops intake: pending and later events are dropped and waiting producers return.
    func finish() {
        let (consumer, released) = state.withLock { state in
            state.finished = true
            state.events = []
            state.head = 0
            return (state.consumer.take(), state.takeBlockedProducers())
        }
        consumer?.resume(returning: nil)
        for continuation in released.tasks { continuation.resume() }
        released.host?()
    }
}
