import DequeModule
import SubscriptionsConcurrency

/// The bounded queue between the publishers of a topic and one subscriber.
///
/// Publishers call ``enqueue(_:)``, which never waits: it appends to the queue, hands the event
/// straight to a waiting consumer, or, when the queue is full, ends the subscription with
/// ``PubSubError/Code/subscriberTooSlow``. The consumer calls ``next()``.
final class SubscriberBuffer: Sendable {
    private enum Ending {
        case finished
        case failed(PubSubError)
    }

    private struct State {
        var events: Deque<PubSubEvent> = []
        var waiter: CheckedContinuation<Result<PubSubEvent?, PubSubError>, Never>?
        /// Set once; reported to the consumer after the buffered events.
        var ending: Ending?
        /// The consumer has gone (cancelled or dropped the subscription): nothing is delivered.
        var closed = false
        var onClose: (@Sendable () -> Void)?
    }

    let topic: String
    let capacity: Int
    private let state: Lock<State>

    init(topic: String, capacity: Int) {
        precondition(capacity > 0, "a subscription's buffer size must be at least 1")
        self.topic = topic
        self.capacity = capacity
        self.state = Lock(State())
    }

    /// Sets what to run once when the consumer goes away; runs it now if it already has.
    func setOnClose(_ onClose: @escaping @Sendable () -> Void) {
        let runNow = self.state.withLock { state -> Bool in
            if state.closed { return true }
            state.onClose = onClose
            return false
        }
        if runNow { onClose() }
    }

    /// Offers an event to the subscriber without waiting.
    ///
    /// - Returns: `false` if the subscription is over (it overflowed now or earlier, or the
    ///   consumer left), so the caller can forget it.
    func enqueue(_ event: PubSubEvent) -> Bool {
        let (waiter, open) = self.state.withLock {
            state -> (CheckedContinuation<Result<PubSubEvent?, PubSubError>, Never>?, Bool) in
            if state.closed || state.ending != nil { return (nil, false) }
            if let waiter = state.waiter {
                // A waiting consumer means the queue is empty: hand the event over directly.
                state.waiter = nil
                return (waiter, true)
            }
            if state.events.count >= self.capacity {
                state.ending = .failed(.subscriberTooSlow(topic: self.topic, bufferSize: self.capacity))
                return (nil, false)
            }
            state.events.append(event)
            return (nil, true)
        }
        waiter?.resume(returning: .success(event))
        return open
    }

    /// Ends the subscription after the buffered events: normally when `error` is `nil`.
    func finish(_ error: PubSubError?) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Result<PubSubEvent?, PubSubError>, Never>? in
            if state.closed || state.ending != nil { return nil }
            if let waiter = state.waiter {
                // A waiter implies an empty queue: the ending is delivered through it right now,
                // so later calls only see the end.
                state.waiter = nil
                state.ending = .finished
                return waiter
            }
            state.ending = error.map { .failed($0) } ?? .finished
            return nil
        }
        waiter?.resume(returning: error.map { .failure($0) } ?? .success(nil))
    }

    /// The consumer is gone: drop the buffered events, wake a pending ``next()`` with the end,
    /// and run the close hook once.
    func close() {
        let (waiter, onClose) = self.state.withLock {
            state -> (CheckedContinuation<Result<PubSubEvent?, PubSubError>, Never>?, (@Sendable () -> Void)?) in
            if state.closed { return (nil, nil) }
            state.closed = true
            state.events.removeAll()
            defer {
                state.waiter = nil
                state.onClose = nil
            }
            return (state.waiter, state.onClose)
        }
        waiter?.resume(returning: .success(nil))
        onClose?()
    }

    /// The next event, or `nil` once the subscription is over; waits while the queue is empty.
    ///
    /// Cancelling the waiting task closes the subscription and returns `nil`.
    func next() async -> Result<PubSubEvent?, PubSubError> {
        if Task.isCancelled {
            self.close()
            return .success(nil)
        }
        if let ready = self.takeReady() {
            return ready
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<PubSubEvent?, PubSubError>, Never>) in
                let ready = self.state.withLock { state -> Result<PubSubEvent?, PubSubError>? in
                    if let ready = Self.takeReady(&state) { return ready }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.close()
        }
    }

    private func takeReady() -> Result<PubSubEvent?, PubSubError>? {
        self.state.withLock { Self.takeReady(&$0) }
    }

    private static func takeReady(_ state: inout State) -> Result<PubSubEvent?, PubSubError>? {
        if state.closed { return .success(nil) }
        if let event = state.events.popFirst() { return .success(event) }
        switch state.ending {
        case nil:
            return nil
        case .finished:
            return .success(nil)
        case .failed(let error):
            // Report the error once; afterwards the sequence simply ends.
            state.ending = .finished
            return .failure(error)
        }
    }
}
