import PostgresNIO
import SubscriptionsPubSub

extension PostgresPubSub {
    /// How a ``PostgresPubSub`` connects, names its tables, buffers, retries and cleans up.
    ///
    /// Every setting but ``client`` has a default that suits a chat-sized application; most
    /// users only pick the database (``init(url:tablePrefix:)``).
    public struct Configuration: Sendable {
        /// How to reach the database: host, credentials, TLS and connection-pool options.
        ///
        /// The engine keeps one connection of this pool leased for its listener and uses the
        /// others to publish (one batch at a time) and clean up, so `options.maximumConnections`
        /// must be at least 2.
        public var client: PostgresClient.Configuration

        /// The prefix of every database object the engine creates: `<prefix>_events`,
        /// `<prefix>_retention`, `<prefix>_publish_batch(text[], bytea[])`,
        /// `<prefix>_publish(text, bytea)` (for engines of earlier versions, which share a prefix
        /// safely with this one), `<prefix>_prune(interval, int)`, and the notification channel
        /// `<prefix>_events`.
        ///
        /// Lowercase ASCII letters, digits and `_`, starting with a letter or `_`, at most 40
        /// characters. Processes that should see each other's events use the same prefix;
        /// separate applications sharing a database use different ones. Defaults to `pubsub`.
        public var tablePrefix: String

        /// The buffer size of subscriptions that do not choose one (see `PubSubSubscription`
        /// for what happens when it is full). Defaults to 1024 events.
        public var defaultBufferSize: Int = 1024

        /// The largest payload ``PostgresPubSub/publish(topic:payload:)`` accepts, in bytes;
        /// larger ones fail with `PubSubError.Code.payloadTooLarge` before reaching the database.
        /// Defaults to 1 MiB. Payloads are stored in a table, not sent with `NOTIFY`, so the
        /// 8000-byte limit of notification payloads does not apply; PostgreSQL itself takes up
        /// to 1 GiB per value.
        public var maximumPayloadSize: Int = 1 << 20

        /// When stored events are deleted. Defaults to one hour after publication, checked
        /// every minute.
        public var retention: Retention = .olderThan(.seconds(3600))

        /// How long the listener waits between attempts to reconnect after losing its
        /// connection. Defaults to exponential back-off from 100 ms to 5 s.
        public var reconnectBackoff: ReconnectBackoff = .exponential()

        /// How often the listener checks for new events when no notification arrives.
        ///
        /// Notifications normally wake it at once; this check is the heartbeat that finds a
        /// silently broken connection (together with ``queryTimeout``) and picks up events whose
        /// notification was lost. Defaults to 2 s.
        public var pollInterval: Duration = .seconds(2)

        /// How long the engine waits for the database (a pooled connection, or an answer on
        /// one) before it treats the connection as broken: the listener closes it and reconnects,
        /// a publish batch closes it and fails. Defaults to 10 s.
        ///
        /// A publish whose event has waited longer than this for earlier batches fails without
        /// being stored; its own batch, once sent, also gets at most this long.
        public var queryTimeout: Duration = .seconds(10)

        /// Creates a configuration for an existing client configuration.
        ///
        /// - Parameters:
        ///   - client: How to reach the database.
        ///   - tablePrefix: The prefix of the engine's database objects; see ``tablePrefix``.
        public init(client: PostgresClient.Configuration, tablePrefix: String = "pubsub") {
            self.client = client
            self.tablePrefix = tablePrefix
        }

        /// Creates a configuration from a connection URL.
        ///
        /// The URL has the libpq form `postgres://user:password@host:port/database?sslmode=…`.
        /// `sslmode` may be `disable`, `allow` or `prefer` (the default: TLS when the server offers
        /// it, without verifying the certificate), `require` (TLS, unverified), `verify-ca` or
        /// `verify-full` (TLS with the system's trust roots; `verify-ca` skips the host name).
        ///
        /// - Parameters:
        ///   - url: The database URL.
        ///   - tablePrefix: The prefix of the engine's database objects; see ``tablePrefix``.
        /// - Throws: `PubSubError` with `PubSubError.Code.invalidConfiguration` if the URL is
        ///   not a PostgreSQL URL with a host and a user.
        public init(url: String, tablePrefix: String = "pubsub") throws {
            self.init(client: try PostgresURL.clientConfiguration(url), tablePrefix: tablePrefix)
        }
    }

    /// When stored events are deleted.
    ///
    /// Events stay in the `<prefix>_events` table so that a listener that lost its connection
    /// can catch up. The engine of every process deletes, every `checkEvery`, the oldest events
    /// published more than `age` ago (in batches of 10,000, as a prefix of the sequence, so a few
    /// events slightly younger than `age` may go with them). A listener that was disconnected
    /// for longer than `age` may find events it never delivered deleted; it then ends all its
    /// subscriptions with `PubSubError.Code.eventsExpired` instead of skipping them silently.
    public struct Retention: Sendable, Hashable {
        enum Kind: Hashable {
            case disabled
            case olderThan(age: Duration, checkEvery: Duration)
        }

        let kind: Kind

        /// Deletes events once they are older than `age`.
        ///
        /// - Parameters:
        ///   - age: How long an event is kept after it was published. Must be positive.
        ///   - checkEvery: How often each engine deletes expired events. Must be positive.
        /// - Returns: The retention policy.
        public static func olderThan(_ age: Duration, checkEvery: Duration = .seconds(60)) -> Retention {
            precondition(age > .zero && checkEvery > .zero, "retention durations must be positive")
            return Retention(kind: .olderThan(age: age, checkEvery: checkEvery))
        }

        /// Never deletes events: for tests, or when something else cleans the table.
        public static let disabled = Retention(kind: .disabled)
    }

    /// How long the listener waits before each attempt to reconnect.
    public struct ReconnectBackoff: Sendable, Hashable {
        let initial: Duration
        let maximum: Duration

        /// Waits `initial` before the first attempt and twice as long before each further one,
        /// at most `maximum`, each wait shortened by a random part of up to a quarter so that
        /// many processes do not reconnect in lockstep.
        ///
        /// - Parameters:
        ///   - initial: The wait before the first attempt. Must be positive.
        ///   - maximum: The longest wait. Must be at least `initial`.
        /// - Returns: The back-off policy.
        public static func exponential(
            initial: Duration = .milliseconds(100),
            maximum: Duration = .seconds(5)
        ) -> ReconnectBackoff {
            precondition(initial > .zero && maximum >= initial, "need 0 < initial <= maximum")
            return ReconnectBackoff(initial: initial, maximum: maximum)
        }

        /// The wait before attempt number `attempt` (1 for the first retry).
        func delay(attempt: Int) -> Duration {
            var delay = self.initial
            for _ in 1..<max(attempt, 1) where delay < self.maximum {
                delay *= 2
            }
            delay = min(delay, self.maximum)
            return delay - delay * Double.random(in: 0..<0.25)
        }
    }
}
