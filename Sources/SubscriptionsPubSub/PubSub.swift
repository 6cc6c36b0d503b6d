/// A publish/subscribe engine: the source of events behind GraphQL subscriptions.
///
/// A mutation, a background job or another service publishes an event under a topic; every
/// subscriber of that topic receives it. Two engines ship with the package:
///
/// - ``InMemoryPubSub`` (module `SubscriptionsPubSub`): one process, the default.
/// - `PostgresPubSub` (module `SubscriptionsPubSubPostgres`): several processes sharing one
///   PostgreSQL database; an event published by one process reaches subscribers in all of them.
///
/// ```swift
/// let pubsub: any PubSub = InMemoryPubSub()
/// let messages = try await pubsub.subscribe(topic: "chat:lobby")
/// try await pubsub.publish(topic: "chat:lobby", payload: Array(#"{"text":"hi"}"#.utf8))
/// for try await event in messages {
///     print(String(decoding: event.payload, as: UTF8.self))
/// }
/// ```
///
/// ## Guarantees every engine gives
///
/// - A subscription receives every event of its topic whose publication *completed after*
///   ``subscribe(topic:bufferSize:)`` returned. It may also receive events published shortly
///   before; it never receives one twice.
/// - All subscribers of a topic see its events in the same order, the order of their
///   ``PubSubEvent/sequence``; events of one publisher keep the order in which it published them.
/// - Publishing never waits for a subscriber. Each subscription buffers at most `bufferSize`
///   events; a subscriber that falls further behind gets the events it has buffered and then
///   the error ``PubSubError/Code/subscriberTooSlow`` (see ``PubSubSubscription``).
/// - Ending the consuming task, cancelling it, or dropping the subscription unsubscribes.
public protocol PubSub: Sendable {
    /// Publishes one event to every current subscriber of `topic`.
    ///
    /// - Parameters:
    ///   - topic: The topic the event belongs to. Subscribers match it exactly.
    ///   - payload: The event's bytes, for example a JSON document. Subscribers share this
    ///     array; it is not copied per subscriber.
    /// - Returns: The event's sequence number: increasing in publication order within the engine
    ///   (for PostgreSQL: within the database, across processes).
    /// - Throws: A ``PubSubError`` or an engine-specific error if the event could not be published.
    @discardableResult
    func publish(topic: String, payload: [UInt8]) async throws -> Int64

    /// Subscribes to one topic.
    ///
    /// The subscription is in place when this returns: every event published afterwards is
    /// delivered to it. Iterate the returned sequence to receive them.
    ///
    /// - Parameters:
    ///   - topic: The topic to receive events of.
    ///   - bufferSize: How many undelivered events the subscription may hold before it ends with
    ///     ``PubSubError/Code/subscriberTooSlow``; `nil` takes the engine's default.
    /// - Returns: The subscription, an `AsyncSequence` of ``PubSubEvent``.
    /// - Throws: A ``PubSubError`` if the engine has shut down, or `CancellationError`.
    func subscribe(topic: String, bufferSize: Int?) async throws -> PubSubSubscription
}

extension PubSub {
    /// Subscribes to one topic with the engine's default buffer size.
    ///
    /// - Parameter topic: The topic to receive events of.
    /// - Returns: The subscription, an `AsyncSequence` of ``PubSubEvent``.
    /// - Throws: A ``PubSubError`` if the engine has shut down, or `CancellationError`.
    public func subscribe(topic: String) async throws -> PubSubSubscription {
        try await self.subscribe(topic: topic, bufferSize: nil)
    }
}
