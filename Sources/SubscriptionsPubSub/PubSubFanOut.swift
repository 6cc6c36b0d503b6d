import SubscriptionsConcurrency

/// Delivers events to the subscribers of one process.
///
/// This is the local half of every engine: ``InMemoryPubSub`` publishes straight into it, and a
/// distributed engine (PostgreSQL, or one you write for another broker) feeds it with the events
/// it receives. It keeps, per topic, the subscriptions of this process and hands each delivered
/// event to all of them, sharing the payload's storage.
///
/// ``deliver(_:)`` and ``finish(topic:error:)`` are serialized with each other, so every
/// subscriber of a topic sees the same order of events.
public final class PubSubFanOut: Sendable {
    private struct Registry {
        var topics: [String: [ObjectIdentifier: SubscriberBuffer]] = [:]
    }

    private let registry = Lock(Registry())

    /// The buffer size of subscriptions that do not choose one.
    public let defaultBufferSize: Int

    /// Creates an empty fan-out.
    ///
    /// - Parameter defaultBufferSize: The buffer size of subscriptions made without one; see
    ///   ``PubSubSubscription`` for what happens when a buffer is full. Must be at least 1.
    public init(defaultBufferSize: Int = 1024) {
        precondition(defaultBufferSize > 0, "defaultBufferSize must be at least 1")
        self.defaultBufferSize = defaultBufferSize
    }

    /// Adds a subscription to `topic`; it receives every event delivered after this returns.
    ///
    /// - Parameters:
    ///   - topic: The topic to receive events of.
    ///   - bufferSize: The subscription's buffer size, at least 1; `nil` takes
    ///     ``defaultBufferSize``.
    /// - Returns: The new subscription.
    public func subscribe(topic: String, bufferSize: Int? = nil) -> PubSubSubscription {
        let buffer = SubscriberBuffer(topic: topic, capacity: bufferSize ?? self.defaultBufferSize)
        let key = ObjectIdentifier(buffer)
        self.registry.withLock { $0.topics[topic, default: [:]][key] = buffer }
        // Weak: the fan-out may be gone before the last subscription is dropped.
        buffer.setOnClose { [weak self] in
            self?.remove(key, from: topic)
        }
        return PubSubSubscription(buffer: buffer)
    }

    /// Hands `event` to every current subscriber of its topic, without waiting for any.
    ///
    /// Subscriptions whose buffer is full end with ``PubSubError/Code/subscriberTooSlow`` and
    /// are removed.
    ///
    /// - Parameter event: The event to deliver.
    public func deliver(_ event: PubSubEvent) {
        self.registry.withLock { registry in
            guard var subscribers = registry.topics[event.topic] else { return }
            var removedAny = false
            for (key, buffer) in subscribers where !buffer.enqueue(event) {
                subscribers[key] = nil
                removedAny = true
            }
            if removedAny {
                registry.topics[event.topic] = subscribers.isEmpty ? nil : subscribers
            }
        }
    }

    /// Whether any subscription of this process receives `topic`.
    ///
    /// - Parameter topic: The topic to look up.
    /// - Returns: `true` if delivering an event of `topic` would reach someone.
    public func hasSubscribers(topic: String) -> Bool {
        self.registry.withLock { $0.topics[topic] != nil }
    }

    /// The topics that have at least one subscription in this process.
    public var subscribedTopics: [String] {
        self.registry.withLock { Array($0.topics.keys) }
    }

    /// The number of subscriptions in this process, over all topics.
    public var subscriptionCount: Int {
        self.registry.withLock { $0.topics.values.reduce(0) { $0 + $1.count } }
    }

    /// Ends the subscriptions of one topic after their buffered events, and forgets them.
    ///
    /// - Parameters:
    ///   - topic: The topic whose subscriptions end.
    ///   - error: The error they end with, or `nil` to end them normally.
    public func finish(topic: String, error: PubSubError?) {
        let buffers = self.registry.withLock { $0.topics.removeValue(forKey: topic) }
        for buffer in buffers?.values ?? [:].values {
            buffer.finish(error)
        }
    }

    /// Ends every subscription after its buffered events, and forgets them all.
    ///
    /// - Parameter error: The error they end with, or `nil` to end them normally.
    public func finishAll(error: PubSubError?) {
        let topics = self.registry.withLock { registry in
            defer { registry.topics = [:] }
            return registry.topics
        }
        for buffers in topics.values {
            for buffer in buffers.values {
                buffer.finish(error)
            }
        }
    }

    private func remove(_ key: ObjectIdentifier, from topic: String) {
        self.registry.withLock { registry in
            guard registry.topics[topic]?.removeValue(forKey: key) != nil else { return }
            if registry.topics[topic]?.isEmpty == true {
                registry.topics[topic] = nil
            }
        }
    }
}
