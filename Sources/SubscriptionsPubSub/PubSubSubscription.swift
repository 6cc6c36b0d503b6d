/// A subscription to one topic: an `AsyncSequence` of the topic's events.
///
/// ## Buffering and overflow
///
/// Publishers never wait for a subscriber. Each subscription has its own bounded buffer
/// (``bufferSize`` events, 1024 unless the engine or the `subscribe` call says otherwise). When an
/// event arrives while the buffer is full, the subscription is over: the consumer still receives
/// every event buffered so far, in order, and then the iterator throws
/// ``PubSubError/Code/subscriberTooSlow``. Nothing is skipped silently, memory stays bounded,
/// and a GraphQL server can report the error to its client, which may subscribe again.
///
/// (Dropping the oldest events instead would keep the subscription open but hand the consumer
/// a stream with holes it cannot see; for subscriptions that drive a UI or a cache, a clear end
/// is easier to handle correctly than a silent gap.)
///
/// ## Ending a subscription
///
/// The subscription ends, and the engine forgets it, when the consuming task is cancelled
/// (`next()` then returns `nil`), or when both the subscription and its iterator are dropped,
/// for example after `break` in a `for try await` loop.
///
/// A subscription has one consumer: iterate it from one task. Iterators made from copies of the
/// same subscription share its buffer, so each event goes to one of them only.
public struct PubSubSubscription: AsyncSequence, Sendable {
    /// The events of the topic.
    public typealias Element = PubSubEvent

    /// The only error a subscription throws.
    public typealias Failure = PubSubError

    /// Closes the buffer when the last consumer-side reference goes away; the engine keeps only
    /// the buffer, so this runs even while the engine is alive.
    final class Handle: Sendable {
        let buffer: SubscriberBuffer

        init(buffer: SubscriberBuffer) {
            self.buffer = buffer
        }

        deinit {
            self.buffer.close()
        }
    }

    let handle: Handle

    init(buffer: SubscriberBuffer) {
        self.handle = Handle(buffer: buffer)
    }

    /// The topic this subscription receives.
    public var topic: String {
        self.handle.buffer.topic
    }

    /// How many undelivered events the subscription holds before it ends with
    /// ``PubSubError/Code/subscriberTooSlow``.
    public var bufferSize: Int {
        self.handle.buffer.capacity
    }

    /// Ends the subscription now: a pending or later `next()` returns `nil` and buffered events
    /// are dropped.
    public func cancel() {
        self.handle.buffer.close()
    }

    /// Makes the iterator that receives the events.
    ///
    /// - Returns: An iterator sharing this subscription's buffer.
    public func makeAsyncIterator() -> Iterator {
        Iterator(handle: self.handle)
    }

    /// Receives the events of a ``PubSubSubscription``.
    public struct Iterator: AsyncIteratorProtocol {
        let handle: Handle

        /// The next event, waiting for one if none is buffered.
        ///
        /// - Returns: The next event, or `nil` once the subscription has ended (cancelled,
        ///   the engine shut down, or after the error was thrown).
        /// - Throws: ``PubSubError`` with ``PubSubError/Code/subscriberTooSlow`` after the
        ///   buffered events of an overflowed subscription, or another ``PubSubError/Code``
        ///   when the engine ends the subscription for a reason it documents.
        public mutating func next() async throws(PubSubError) -> PubSubEvent? {
            try await self.handle.buffer.next().get()
        }

        /// The next event, waiting for one if none is buffered.
        ///
        /// - Parameter actor: The caller's actor. The element type is `Sendable`, so the event
        ///   can cross into it.
        /// - Returns: The next event, or `nil` once the subscription has ended.
        /// - Throws: ``PubSubError``, as ``next()`` does.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(PubSubError) -> PubSubEvent? {
            try await self.handle.buffer.next().get()
        }
    }
}

@available(*, unavailable)
extension PubSubSubscription.Iterator: Sendable {}
