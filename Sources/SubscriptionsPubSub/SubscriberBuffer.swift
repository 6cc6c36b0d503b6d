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
        /// Set when the waiting consumer has something to take.
        var waiter: OneShot<Void>?
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
        let (waiter, open) = self.state.withLock { state -> (OneShot<Void>?, Bool) in
            if state.closed || state.ending != nil { return (nil, false) }
            if state.events.count >= self.capacity {
                state.ending = .failed(.subscriberTooSlow(topic: self.topic, bufferSize: self.capacity))
                return (state.waiter.take(), false)
            }
            state.events.append(event)
            return (state.waiter.take(), true)
        }
        waiter?.fulfill(())
        return open
    }

    /// Ends the subscription after the buffered events: normally when `error` is `nil`.
    func finish(_ error: PubSubError?) {
        let waiter = self.state.withLock { state -> OneShot<Void>? in
            if state.closed || state.ending != nil { return nil }
            state.ending = error.map { .failed($0) } ?? .finished
            return state.waiter.take()
        }
        waiter?.fulfill(())
    }

    /// The consumer is gone: drop the buffered events, wake a pending ``next()`` with the end,
    /// and run the close hook once.
    func close() {
        let (waiter, onClose) = self.state.withLock { state -> (OneShot<Void>?, (@Sendable () -> Void)?) in
            if state.closed { return (nil, nil) }
            state.closed = true
            state.events.removeAll()
            return (state.waiter.take(), state.onClose.take())
        }
        waiter?.fulfill(())
        onClose?()
    }

    /// The next event, or `nil` once the subscription is over; waits while the queue is empty.
    ///
    /// Cancelling the waiting task closes the subscription and returns `nil`.
    func next() async -> Result<PubSubEvent?, PubSubError> {
        if let ready = await takeOrWait(state, take: Self.takeReady, park: { $0.waiter = $1 }) { return ready }
        close()
        return .success(nil)
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
