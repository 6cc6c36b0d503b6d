import SubscriptionsConcurrency

/// The pub/sub engine for one process, and the default.
///
/// Publishing hands the event to every current subscriber of its topic before it returns, in
/// the order of the calls: events published one after another reach each subscriber in that
/// order, and concurrent publications reach all subscribers in one and the same order. The
/// payload array is shared by all subscribers, not copied.
///
/// Nothing is stored: a subscriber receives only events published after it subscribed, and
/// events are lost when the process ends. For several processes, use `PostgresPubSub` from
/// `SubscriptionsPubSubPostgres`.
public final class InMemoryPubSub: PubSub {
    private let fanOut: PubSubFanOut
    /// Guards the counter and makes numbering and delivery one step, so that sequence order is
    /// delivery order.
    private let lastSequence = Lock<Int64>(0)

    /// Creates an engine.
    ///
    /// - Parameter defaultBufferSize: The buffer size of subscriptions that do not choose one
    ///   (see ``PubSubSubscription`` for the overflow policy). Must be at least 1.
    public init(defaultBufferSize: Int = 1024) {
        self.fanOut = PubSubFanOut(defaultBufferSize: defaultBufferSize)
    }

    /// Publishes one event to every current subscriber of `topic`, without waiting for any.
    ///
    /// - Parameters:
    ///   - topic: The topic the event belongs to.
    ///   - payload: The event's bytes, shared by all subscribers.
    /// - Returns: The event's sequence number, counting publications of this engine from 1.
    @discardableResult
    public func publish(topic: String, payload: [UInt8]) -> Int64 {
        self.lastSequence.withLock { last in
            last += 1
            self.fanOut.deliver(PubSubEvent(topic: topic, payload: payload, sequence: last))
            return last
        }
    }

    /// Subscribes to one topic; the subscription receives every event published after this
    /// returns.
    ///
    /// This engine needs no waiting, so the call is synchronous; `subscribe(topic:)` from the
    /// ``PubSub`` protocol does the same with the default buffer size (and, like every protocol
    /// method, is called with `try await`).
    ///
    /// - Parameters:
    ///   - topic: The topic to receive events of.
    ///   - bufferSize: The subscription's buffer size, at least 1; `nil` takes the engine's
    ///     default.
    /// - Returns: The subscription.
    public func subscribe(topic: String, bufferSize: Int?) -> PubSubSubscription {
        self.fanOut.subscribe(topic: topic, bufferSize: bufferSize)
    }

    /// The number of live subscriptions, over all topics.
    public var subscriptionCount: Int {
        self.fanOut.subscriptionCount
    }
}
