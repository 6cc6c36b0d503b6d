/// An error of a pub/sub engine or of one subscription.
///
/// Match on ``code``; ``message`` is for people and may change.
public struct PubSubError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that can grow new cases without breaking `switch` statements.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case subscriberTooSlow
            case eventsExpired
            case shutDown
            case payloadTooLarge
            case invalidConfiguration
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The subscriber did not keep up: its buffer was full when another event arrived.
        ///
        /// The subscription delivered every event it had buffered before throwing this, and is
        /// over; subscribe again to receive new events.
        public static let subscriberTooSlow = Code(.subscriberTooSlow)

        /// Events the subscription should have received were deleted by the engine's retention
        /// policy before they could be delivered (a PostgreSQL listener stayed disconnected for
        /// longer than the retention period).
        public static let eventsExpired = Code(.eventsExpired)

        /// The engine has stopped, so it can neither publish nor subscribe.
        public static let shutDown = Code(.shutDown)

        /// The payload is larger than the engine accepts.
        public static let payloadTooLarge = Code(.payloadTooLarge)

        /// The engine's configuration is not valid (for example a malformed database URL).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name.
        public var description: String {
            switch self.base {
            case .subscriberTooSlow: "subscriberTooSlow"
            case .eventsExpired: "eventsExpired"
            case .shutDown: "shutDown"
            case .payloadTooLarge: "payloadTooLarge"
            case .invalidConfiguration: "invalidConfiguration"
            }
        }
    }

    /// What went wrong.
    public var code: Code

    /// A description for people: what happened and, where it helps, what to do.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A description for people.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    public var description: String {
        "PubSubError.\(self.code): \(self.message)"
    }

    /// The error a subscription ends with when its buffer overflows.
    ///
    /// - Parameters:
    ///   - topic: The subscription's topic.
    ///   - bufferSize: The subscription's buffer size.
    /// - Returns: A ``Code/subscriberTooSlow`` error.
    public static func subscriberTooSlow(topic: String, bufferSize: Int) -> PubSubError {
        PubSubError(
            code: .subscriberTooSlow,
            message: "subscriber of topic '\(topic)' fell \(bufferSize) events behind; subscribe again"
        )
    }

    /// The error of an engine that has stopped.
    public static let shutDown = PubSubError(code: .shutDown, message: "the pub/sub engine has stopped")
}
