/// One published event, as a subscriber receives it.
public struct PubSubEvent: Sendable, Hashable {
    /// The topic the event was published under.
    public var topic: String

    /// The event's bytes, exactly as published.
    ///
    /// All subscribers of one event share the same array storage, so fan-out does not copy it.
    public var payload: [UInt8]

    /// The event's position in the engine's total order of publications.
    ///
    /// Sequences increase in publication order but may have gaps (an engine may number events
    /// of every topic from one counter, and PostgreSQL skips numbers of rolled-back inserts).
    public var sequence: Int64

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - topic: The topic the event was published under.
    ///   - payload: The event's bytes.
    ///   - sequence: The event's position in the engine's order of publications.
    public init(topic: String, payload: [UInt8], sequence: Int64) {
        self.topic = topic
        self.payload = payload
        self.sequence = sequence
    }
}
