import SubscriptionsConcurrency

/// The outbound path of one connection: frames wait here until the transport takes them.
///
/// A transport either calls ``nextBatch()`` in a loop (a task per connection), or takes what is ready
/// with ``takeReady(orNotify:)`` from wherever it writes (an event loop), and is called back when more
/// is ready. Either way it writes every message it took and flushes once, so a fast producer costs one
/// wake-up per batch rather than one per frame. Operations wait for room before each result while
/// more than the configured number of bytes are waiting (back-pressure); control frames never wait.
/// After a close nothing more is accepted.
public final class OutboundQueue: Sendable {
    /// Who waits for the next message.
    private enum Waiter {
        /// A task in ``nextBatch()``, waiting for this to be set.
        case task(OneShot<Void>)
        /// A transport that takes the messages itself once told.
        case callback(@Sendable () -> Void)

        func wake() {
            switch self {
            case .task(let ready): ready.fulfill(())
            case .callback(let callback): callback()
            }
        }
    }

    private struct State {
        var messages: [OutboundMessage] = []
        var bufferedBytes = 0
        /// Bytes of protocol answers (``send(_:answering:)``) among ``bufferedBytes``.
        var answerBytes = 0
        /// How many times the transport took messages: unchanged while a client reads nothing.
        var takes: UInt64 = 0
        /// No more messages are accepted.
        var closed = false
        /// The code and reason queued by ``close(code:reason:)``, kept after they were taken or dropped.
        var decidedClose: (code: UInt16, reason: String)?
        var waiter: Waiter?
        /// Set when there is room again, for the operations waiting for it.
        var room: OneShot<Void>?

        mutating func enqueue(_ message: OutboundMessage) -> Waiter? {
            append(message)
            return waiter.take()
        }

        /// Queues a message without waking whoever waits; ``wakeWaiter()`` does, later.
        mutating func enqueueQuietly(_ message: OutboundMessage) {
            append(message)
        }

        /// Who waits, to be woken, if messages are ready.
        mutating func wakeWaiter() -> Waiter? {
            messages.isEmpty ? nil : waiter.take()
        }

        private mutating func append(_ message: OutboundMessage) {
            messages.append(message)
            if case .text(let bytes) = message { bufferedBytes += bytes.count }
        }

        mutating func takeMessages() -> [OutboundMessage] {
            let batch = messages
            messages = []
            takes &+= 1
            bufferedBytes = 0
            answerBytes = 0
            return batch
        }

        /// What the operations waiting for room wait for, to be set now.
        mutating func releaseRoom() -> OneShot<Void>? {
            room.take()
        }
    }

    private let state = Lock(State())
    private let budget: Int
    /// Told of every batch the transport takes.
    private let onBatch: (@Sendable ([OutboundMessage]) -> Void)?

    init(budget: Int, onBatch: (@Sendable ([OutboundMessage]) -> Void)? = nil) {
        self.budget = budget
        self.onBatch = onBatch
    }

    /// Waits for messages and returns all that are ready, in order.
    ///
    /// - Returns: A non-empty batch, or `nil` once the connection's last message was taken, the
    ///   transport is gone, or the calling task is cancelled.
    public func nextBatch() async -> [OutboundMessage]? {
        let batch = await waitForBatch()
        if let onBatch, let batch { onBatch(batch) }
        return batch
    }

    private func waitForBatch() async -> [OutboundMessage]? {
        let taken = await takeOrWait(
            state,
            take: { state -> (batch: [OutboundMessage]?, room: OneShot<Void>?)? in
                if !state.messages.isEmpty { return (state.takeMessages(), state.releaseRoom()) }
                return state.closed ? (nil, nil) : nil
            },
            park: { $0.waiter = .task($1) }
        )
        taken?.room?.fulfill(())
        return taken?.batch
    }

    /// Takes every message that is ready, without waiting; when none is, `notify` is called once as
    /// soon as one is (or the output ends), from whichever thread queues it.
    ///
    /// This is the interface for transports that write from an event loop: take what is ready, write
    /// it all, flush once, and take again when called back. A transport that cannot write for now
    /// (its socket is full) stops taking; operations then pause once the queue is over its budget.
    ///
    /// - Parameter notify: Called once when messages become ready after this call found none. It must
    ///   not call back into the queue synchronously; schedule the next take instead.
    /// - Returns: The ready messages in order (empty when none is ready and `notify` was registered),
    ///   or `nil` once the connection's last message was taken or the transport is gone.
    public func takeReady(orNotify notify: @escaping @Sendable () -> Void) -> [OutboundMessage]? {
        let (batch, room) = state.withLock { state -> ([OutboundMessage]?, OneShot<Void>?) in
            if !state.messages.isEmpty {
                return (state.takeMessages(), state.releaseRoom())
            }
            if state.closed { return (nil, nil) }
            state.waiter = .callback(notify)
            return ([], nil)
        }
        room?.fulfill(())
        if let onBatch, let batch, !batch.isEmpty { onBatch(batch) }
        return batch
    }

    /// Takes every message that is ready, without waiting and without asking to be called back.
    ///
    /// For a transport that already knows it will come back (it drains on a timer while output
    /// streams).
    ///
    /// - Returns: The ready messages in order, possibly none, or `nil` once the connection's last
    ///   message was taken or the transport is gone.
    public func takeReady() -> [OutboundMessage]? {
        let (batch, room) = state.withLock { state -> ([OutboundMessage]?, OneShot<Void>?) in
            if !state.messages.isEmpty {
                return (state.takeMessages(), state.releaseRoom())
            }
            return (state.closed ? nil : [], nil)
        }
        room?.fulfill(())
        if let onBatch, let batch, !batch.isEmpty { onBatch(batch) }
        return batch
    }

    /// Queues a control frame (not part of an operation's output).
    ///
    /// - Returns: `false` if the connection no longer sends.
    @discardableResult
    func send(_ frame: [UInt8], answering: Bool = false) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, Waiter?) in
            guard !state.closed else { return (false, nil) }
            if answering { state.answerBytes += frame.count }
            return (true, state.enqueue(.text(frame)))
        }
        waiter?.wake()
        return accepted
    }

    /// Queues a frame without waking the transport: for a producer that queues many frames of many
    /// connections at once and then wakes each transport with ``wakeTransport()``.
    ///
    /// - Returns: ``ResultDelivery/delivered`` when queued; nothing is queued when the connection no
    ///   longer sends (``ResultDelivery/operationEnded``) or more bytes than the budget already wait
    ///   (``ResultDelivery/clientTooSlow``).
    func queueQuietly(_ frame: [UInt8]) -> ResultDelivery {
        state.withLock { state in
            if state.closed { return .operationEnded }
            guard state.bufferedBytes <= budget else { return .clientTooSlow }
            state.enqueueQuietly(.text(frame))
            return .delivered
        }
    }

    /// Wakes the transport for the frames queued with ``queueQuietly(_:)``, if it waits for them.
    func wakeTransport() {
        state.withLock { $0.wakeWaiter() }?.wake()
    }

    /// Queues a close frame, its reason cut to fit; nothing is accepted after it.
    func close(code: UInt16, reason: String) {
        let (waiter, room) = state.withLock { state -> (Waiter?, OneShot<Void>?) in
            guard !state.closed else { return (nil, nil) }
            state.closed = true
            let reason = OutboundMessage.closeReason(fitting: reason)
            state.decidedClose = (code, reason)
            return (state.enqueue(.close(code: code, reason: reason)), state.releaseRoom())
        }
        waiter?.wake()
        room?.fulfill(())
    }

    /// The close code and reason the connection decided to send (the reason already cut to fit),
    /// whether or not the transport has written its frame yet: a transport whose writer was stopped
    /// before it reached the frame (a client that reads nothing) closes with this code rather than a
    /// default one.
    public var decidedClose: (code: UInt16, reason: String)? {
        state.withLock { $0.decidedClose }
    }

    /// The transport is gone: drop what waits and accept nothing more.
    func abandon() {
        let (waiter, room) = state.withLock { state in
            state.closed = true
            state.messages = []
            state.bufferedBytes = 0
            return (state.waiter.take(), state.releaseRoom())
        }
        waiter?.wake()
        room?.fulfill(())
    }

    /// Whether more than the budget of protocol answers (`pong`, errors, `complete`: frames the
    /// client's own messages cause) waits for the transport: a client that keeps sending without
    /// reading. Operation results do not count; operations pause at the budget instead.
    var isFlooded: Bool {
        state.withLock { !$0.closed && $0.answerBytes > budget }
    }

    /// Whether more bytes than the budget are waiting for the transport: operations wait for room.
    public var isOverBudget: Bool {
        state.withLock { !$0.closed && $0.bufferedBytes > budget }
    }

    /// How many times the transport has taken messages so far; a connection compares two readings to
    /// tell a client that reads nothing.
    var takeCount: UInt64 {
        state.withLock { $0.takes }
    }

    /// Waits while more bytes than the budget are waiting for the transport; returns at once when
    /// there is room, when the connection closed or when the calling task is cancelled.
    ///
    /// Operations wait here before each result. A transport that reads in a task waits here too
    /// before handing on each inbound message: it then stops reading from a client that does not
    /// read, so that client's socket fills rather than the server's memory.
    public nonisolated(nonsending) func waitForRoom() async {
        while isOverBudget, !Task.isCancelled {
            await waitForRoomOnce()
        }
    }

    private func waitForRoomOnce() async {
        let room = state.withLock { state -> OneShot<Void>? in
            guard !state.closed, state.bufferedBytes > budget else { return nil }
            if state.room == nil { state.room = OneShot() }
            return state.room
        }
        _ = await room?.waitUnlessCancelled()
    }
}
