/// Settings of a `graphql-ws` (Apollo `subscriptions-transport-ws`) server.
///
/// Every limit is on by default, as the protocol specification of this package requires.
public struct GraphQLWSServerOptions: Sendable {
    /// How often the server sends the `ka` keep-alive message.
    public struct KeepAlive: Sendable, Hashable {
        /// The interval, or `nil` when keep-alive is off.
        public let interval: Duration?

        /// A `ka` right after each acknowledgement and then every `interval`.
        public static func every(_ interval: Duration) -> KeepAlive { KeepAlive(interval: interval) }
        /// No `ka` messages.
        public static let disabled = KeepAlive(interval: nil)
    }

    /// What a second `connection_init` on an open connection does.
    public struct RepeatedConnectionInit: Sendable, Hashable {
        let closesConnection: Bool

        /// Run the connect hook again and acknowledge again (Apollo's behaviour).
        public static let reacknowledge = RepeatedConnectionInit(closesConnection: false)
        /// Close the connection with 4429 "Too many initialisation requests".
        public static let close = RepeatedConnectionInit(closesConnection: true)
    }

    /// What a binary WebSocket frame is.
    public struct BinaryFrames: Sendable, Hashable {
        let accepted: Bool

        /// Decode the bytes as UTF-8 text; invalid UTF-8 is invalid input.
        public static let decodeAsText = BinaryFrames(accepted: true)
        /// Close the connection with 1002 (protocol error).
        public static let reject = BinaryFrames(accepted: false)
    }

    /// The keep-alive cadence; by default a `ka` every 12 seconds.
    public var keepAlive: KeepAlive
    /// How long a client may take to send `connection_init` before the server closes with 4408;
    /// `nil` waits forever. By default 10 seconds.
    public var connectionInitWaitTimeout: Duration?
    /// How many operations may be live at once on one connection; `nil` for no limit. By default 100.
    public var maxLiveOperations: Int?
    /// Whether `start` is accepted before any `connection_init` (Apollo's behaviour). Off by default:
    /// such a `start` closes the connection with 4401 "Unauthorized".
    public var allowOperationsWithoutInit: Bool
    /// What a second `connection_init` does; by default it is acknowledged again.
    public var repeatedConnectionInit: RepeatedConnectionInit
    /// How binary frames are treated; by default decoded as text.
    public var binaryFrames: BinaryFrames
    /// The largest inbound message, in bytes, the server accepts; a longer one closes the connection
    /// 1009 "Message too big" (``MessageTooBig``), as the adapters do. By default 1 MiB.
    public var maxInboundMessageBytes: Int
    /// How many bytes of outbound frames may wait for the transport before operations pause
    /// (back-pressure). By default 1 MiB.
    public var outboundBufferBytes: Int
    /// How long operations may wait for room in a full outbound buffer while the client reads
    /// nothing at all, before the connection closes with 1008 "Client too slow: outbound buffer
    /// full"; `nil` never closes it. Meanwhile the adapters stop reading from it. By default 30
    /// seconds.
    public var slowClientTimeout: Duration?
    /// How many messages may arrive while the connect hook (`onConnect`) decides; they wait, in
    /// order, for its answer. One more closes the connection with 4429 "Too many messages before
    /// connection_ack", so a client cannot make the server hold an unbounded backlog. By default 200
    /// (twice the default operation limit).
    public var maxMessagesWhileConnecting: Int
    /// Whether the message of an error thrown by `onConnect` (the `connection_error` payload) or by
    /// the executor (the operation's `error`) reaches the client. Turn it off in production to send
    /// "Internal server error" instead; rejections (`.reject(message:)`) and GraphQL errors are
    /// always sent as they are. By default on.
    public var exposesInternalErrorMessages: Bool

    /// Creates options; every parameter has the documented default.
    public init(
        keepAlive: KeepAlive = .every(.seconds(12)),
        connectionInitWaitTimeout: Duration? = .seconds(10),
        maxLiveOperations: Int? = 100,
        allowOperationsWithoutInit: Bool = false,
        repeatedConnectionInit: RepeatedConnectionInit = .reacknowledge,
        binaryFrames: BinaryFrames = .decodeAsText,
        maxInboundMessageBytes: Int = 1 << 20,
        outboundBufferBytes: Int = 1 << 20,
        maxMessagesWhileConnecting: Int = 200,
        exposesInternalErrorMessages: Bool = true,
        slowClientTimeout: Duration? = .seconds(30)
    ) {
        self.exposesInternalErrorMessages = exposesInternalErrorMessages
        self.maxMessagesWhileConnecting = maxMessagesWhileConnecting
        self.keepAlive = keepAlive
        self.connectionInitWaitTimeout = connectionInitWaitTimeout
        self.maxLiveOperations = maxLiveOperations
        self.allowOperationsWithoutInit = allowOperationsWithoutInit
        self.repeatedConnectionInit = repeatedConnectionInit
        self.binaryFrames = binaryFrames
        self.maxInboundMessageBytes = maxInboundMessageBytes
        self.outboundBufferBytes = outboundBufferBytes
        self.slowClientTimeout = slowClientTimeout
    }
}
