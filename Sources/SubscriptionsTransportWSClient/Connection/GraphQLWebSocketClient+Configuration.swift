import HTTPTypes
import NIOSSL
import SubscriptionsTransportWS

extension GraphQLWebSocketClient {
    /// How a client connects, stays connected and reconnects.
    ///
    /// Every setting has a default, so a configuration names only what differs:
    ///
    /// ```swift
    /// let configuration = GraphQLWebSocketClient.Configuration(
    ///     protocolChoice: .graphQLTransportWS,
    ///     initPayload: ["token": "secret"],
    ///     reconnect: .enabled()
    /// )
    /// ```
    public struct Configuration: Sendable {
        /// Which subprotocols to offer.
        public var protocolChoice: ProtocolChoice
        /// The `connection_init` payload (Apollo's `connectionParams`), sent on every connection.
        ///
        /// `nil` sends `{}` on `graphql-ws`, as Apollo's client does, and no payload on
        /// `graphql-transport-ws`.
        public var initPayload: JSONObject?
        /// Extra headers for the upgrade request, for example `Authorization`.
        ///
        /// `Sec-WebSocket-Protocol` is set from ``protocolChoice``; a value here is sent in addition.
        public var headers: HTTPFields
        /// How long to wait for `connection_ack` after the WebSocket opened, and for the TCP connection
        /// and the upgrade before that; `nil` waits for ever. By default 10 seconds.
        ///
        /// When it passes, the client closes with 4504 (connection acknowledgement timeout, as the
        /// `graphql-ws` library's client does) and reports
        /// ``GraphQLWebSocketClientError/connectionAckTimeout(_:)``.
        public var connectionAckTimeout: Duration?
        /// How a dead server is noticed.
        public var keepAlive: KeepAlive
        /// Whether and how to connect again after the connection was lost.
        public var reconnect: Reconnect
        /// The largest message accepted from the server, in bytes; by default 16 MiB.
        public var maxMessageBytes: Int
        /// How long, after the client sent its close frame, the server has to close the connection
        /// before the client drops it; by default 5 seconds.
        public var closeTimeout: Duration
        /// TLS settings for `wss` URLs; `nil` uses the system's trust roots and full verification.
        public var tlsConfiguration: TLSConfiguration?
        /// How many results of one operation may wait for its consumer; by default 10,000. One more
        /// means the consumer cannot keep up: the operation is stopped on the server and its results
        /// end, after those that waited, with ``ConsumerTooSlowError``. Nothing is dropped silently,
        /// and a slow consumer cannot make the client hold an unbounded backlog.
        public var maxBufferedResults: Int
        /// How many messages read from the socket may wait for the client to handle them; by
        /// default 1,000. At the limit the client stops reading the socket until it has caught up to
        /// half of it, so a server that streams faster than the client handles frames is held back
        /// by TCP flow control instead of growing the client's memory. Nothing is dropped.
        public var maxQueuedMessages: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - protocolChoice: Which subprotocols to offer; by default both, the server choosing.
        ///   - initPayload: The `connection_init` payload.
        ///   - headers: Extra headers for the upgrade request.
        ///   - connectionAckTimeout: How long to wait for the connection to be acknowledged.
        ///   - keepAlive: How a dead server is noticed.
        ///   - reconnect: Whether and how to connect again after the connection was lost.
        ///   - maxMessageBytes: The largest message accepted from the server.
        ///   - closeTimeout: How long the server has to close after the client's close frame.
        ///   - tlsConfiguration: TLS settings for `wss` URLs.
        ///   - maxBufferedResults: How many results of one operation may wait for its consumer.
        ///   - maxQueuedMessages: How many messages read from the socket may wait to be handled.
        public init(
            protocolChoice: ProtocolChoice = .automatic,
            initPayload: JSONObject? = nil,
            headers: HTTPFields = [:],
            connectionAckTimeout: Duration? = .seconds(10),
            keepAlive: KeepAlive = .enabled(timeout: .seconds(30)),
            reconnect: Reconnect = .disabled,
            maxMessageBytes: Int = 1 << 24,
            closeTimeout: Duration = .seconds(5),
            tlsConfiguration: TLSConfiguration? = nil,
            maxBufferedResults: Int = 10_000,
            maxQueuedMessages: Int = 1_000
        ) {
            self.protocolChoice = protocolChoice
            self.initPayload = initPayload
            self.headers = headers
            self.connectionAckTimeout = connectionAckTimeout
            self.keepAlive = keepAlive
            self.reconnect = reconnect
            self.maxMessageBytes = maxMessageBytes
            self.closeTimeout = closeTimeout
            self.tlsConfiguration = tlsConfiguration
            self.maxBufferedResults = maxBufferedResults
            self.maxQueuedMessages = maxQueuedMessages
        }
    }

    /// Which subprotocols a client offers in `Sec-WebSocket-Protocol`.
    ///
    /// The server's answer decides the protocol of the connection.
    public struct ProtocolChoice: Sendable, Hashable, CustomStringConvertible {
        /// The subprotocols offered, in the client's order of preference.
        public let offers: [WebSocketSubprotocol]

        /// Offers `graphql-transport-ws` and then `graphql-ws`, and speaks whichever the server picks.
        ///
        /// A server that accepts the WebSocket without naming a subprotocol is assumed to speak
        /// `graphql-ws`, as older Apollo servers do.
        public static let automatic = ProtocolChoice(offers: [.graphQLTransportWS, .graphQLWS])
        /// Offers only `graphql-ws` (Apollo's `subscriptions-transport-ws` protocol).
        public static let graphQLWS = ProtocolChoice(offers: [.graphQLWS])
        /// Offers only `graphql-transport-ws` (the protocol of the `graphql-ws` library).
        public static let graphQLTransportWS = ProtocolChoice(offers: [.graphQLTransportWS])

        /// Offers only `subprotocol`.
        ///
        /// - Parameter subprotocol: The one subprotocol to speak.
        /// - Returns: The choice.
        public static func only(_ subprotocol: WebSocketSubprotocol) -> ProtocolChoice {
            ProtocolChoice(offers: [subprotocol])
        }

        private init(offers: [WebSocketSubprotocol]) {
            self.offers = offers
        }

        /// The offered names, comma-separated, as in the header.
        public var description: String {
            offers.map(\.name).joined(separator: ", ")
        }

        /// The subprotocol to speak, given the server's answer; `nil` when the answer was not offered.
        func subprotocol(answered: String?) -> WebSocketSubprotocol? {
            guard let answered else { return offers.count == 1 ? offers[0] : .graphQLWS }
            return offers.first { $0.name == answered }
        }
    }

    /// How a client notices that the server is gone while the TCP connection looks open.
    public struct KeepAlive: Sendable, Hashable {
        /// The longest silence tolerated, or `nil` when disabled.
        public let timeout: Duration?

        /// Never declares the server dead (the operating system may still notice a broken connection).
        public static let disabled = KeepAlive(timeout: nil)

        /// Declares the server dead after `timeout` without a sign of life.
        ///
        /// - On `graphql-ws` the server sends `ka` messages. Like Apollo's client, the client watches
        ///   only once the first `ka` arrived (servers without keep-alive are left alone); from then
        ///   on, any message from the server is a sign of life, and `timeout` without one closes the
        ///   connection. Choose it comfortably above the server's interval (Apollo's client uses 30 s).
        /// - On `graphql-transport-ws` the client sends `ping` after `timeout` of its own silence and
        ///   expects a `pong` within another `timeout`.
        ///
        /// A dead server is reported as ``GraphQLWebSocketClientError/keepAliveTimeout(_:)``, which
        /// ``Reconnect`` retries.
        ///
        /// - Parameter timeout: The longest silence tolerated.
        /// - Returns: The setting.
        public static func enabled(timeout: Duration) -> KeepAlive {
            KeepAlive(timeout: timeout)
        }

        private init(timeout: Duration?) {
            self.timeout = timeout
        }
    }

    /// Whether a client connects again after losing its connection.
    ///
    /// Only errors that ``GraphQLWebSocketClientError/isRetryable`` calls retryable are retried,
    /// which follows the `graphql-ws` library's client. After a successful reconnection every live
    /// operation is sent again with its id, so subscriptions continue (events published while
    /// disconnected are lost, and a query in flight runs again).
    public struct Reconnect: Sendable, Hashable {
        /// How many connection attempts in a row may fail before the client gives up; 0 when disabled.
        public let maxAttempts: Int
        /// The wait before the first retry; each further retry waits twice as long.
        public let initialDelay: Duration
        /// The longest wait between two attempts.
        public let maxDelay: Duration

        /// Never reconnects: the first lost connection fails every live operation.
        public static let disabled = Reconnect(maxAttempts: 0, initialDelay: .zero, maxDelay: .zero)

        /// Reconnects with randomised exponential back-off.
        ///
        /// The n-th retry in a row waits `min(maxDelay, initialDelay × 2ⁿ⁻¹)` scaled by a random
        /// factor between 0.5 and 1, so that many clients of a restarted server do not return at
        /// once. The count starts again after every acknowledged connection.
        ///
        /// - Parameters:
        ///   - maxAttempts: How many attempts in a row may fail before giving up; by default 5.
        ///   - initialDelay: The wait before the first retry; by default 1 second.
        ///   - maxDelay: The longest wait; by default 30 seconds.
        /// - Returns: The setting.
        public static func enabled(
            maxAttempts: Int = 5,
            initialDelay: Duration = .seconds(1),
            maxDelay: Duration = .seconds(30)
        ) -> Reconnect {
            Reconnect(maxAttempts: max(0, maxAttempts), initialDelay: initialDelay, maxDelay: maxDelay)
        }

        private init(maxAttempts: Int, initialDelay: Duration, maxDelay: Duration) {
            self.maxAttempts = maxAttempts
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
        }

        /// The wait before retry number `attempt` (from 1), without the random factor.
        func baseDelay(beforeRetry attempt: Int) -> Duration {
            var delay = initialDelay
            for _ in 1..<max(1, attempt) where delay < maxDelay {
                delay *= 2
            }
            return min(delay, maxDelay)
        }

        /// The wait before retry number `attempt` (from 1), with the random factor.
        func delay(beforeRetry attempt: Int) -> Duration {
            baseDelay(beforeRetry: attempt) * Double.random(in: 0.5...1)
        }
    }
}
