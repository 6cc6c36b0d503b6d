/// Settings of a `graphql-transport-ws` server.
///
/// Every limit is on by default, as the protocol specification of this package requires.
public struct GraphQLTransportWSServerOptions: Sendable {
    /// How long a client may take to send `connection_init` before the server closes with 4408;
    /// `nil` or zero waits forever. By default 3 seconds.
    public var connectionInitWaitTimeout: Duration?
    /// How many operations may be live at once on one connection; `nil` for no limit. By default 100.
    public var maxLiveOperations: Int?
    /// The interval of server-initiated `ping` messages after the acknowledgement; `nil` (the
    /// default) sends none. Clients answer with `pong`.
    public var pingInterval: Duration?
    /// Whether binary frames are decoded as UTF-8 text (the default) or close the connection 4400.
    public var acceptsBinaryFrames: Bool
    /// Whether a 4500 close reason carries the thrown error's message (when it fits in 123 bytes).
    /// Turn it off in production to always send "Internal server error".
    public var exposesInternalErrorMessages: Bool
    /// The largest inbound message, in bytes; a longer one closes the connection 1009 "Message too
    /// big" (``MessageTooBig``), as the adapters do. By default 1 MiB.
    public var maxInboundMessageBytes: Int
    /// How many bytes of outbound frames may wait for the transport before operations pause
    /// (back-pressure). By default 1 MiB.
    public var outboundBufferBytes: Int
    /// How long operations may wait for room in a full outbound buffer while the client reads
    /// nothing at all, before the connection closes with 1008 "Client too slow: outbound buffer
    /// full"; `nil` never closes it. Meanwhile the adapters stop reading from it. By default 30
    /// seconds.
    public var slowClientTimeout: Duration?

    /// Creates options; every parameter has the documented default.
    public init(
        connectionInitWaitTimeout: Duration? = .seconds(3),
        maxLiveOperations: Int? = 100,
        pingInterval: Duration? = nil,
        acceptsBinaryFrames: Bool = true,
        exposesInternalErrorMessages: Bool = true,
        maxInboundMessageBytes: Int = 1 << 20,
        outboundBufferBytes: Int = 1 << 20,
        slowClientTimeout: Duration? = .seconds(30)
    ) {
        self.connectionInitWaitTimeout = connectionInitWaitTimeout
        self.maxLiveOperations = maxLiveOperations
        self.pingInterval = pingInterval
        self.acceptsBinaryFrames = acceptsBinaryFrames
        self.exposesInternalErrorMessages = exposesInternalErrorMessages
        self.maxInboundMessageBytes = maxInboundMessageBytes
        self.outboundBufferBytes = outboundBufferBytes
        self.slowClientTimeout = slowClientTimeout
    }
}
