/// WebSocket-level settings of GraphQL WebSocket channels served on SwiftNIO.
public struct GraphQLWebSocketChannelConfiguration: Sendable {
    /// The interval of WebSocket ping frames; a client that has not answered the previous ping by the
    /// next one is disconnected. `nil` sends none. By default 30 seconds, as Hummingbird's.
    ///
    /// These pings find dead peers, which the protocols' own keep-alives do not: `graphql-ws`'s `ka`
    /// is only sent, and `graphql-transport-ws`'s server `ping` is off by default.
    public var pingInterval: Duration?

    /// How long, after the server sent its close frame, the client has to answer with its own before
    /// the socket is dropped. By default 15 seconds, as Hummingbird's.
    public var closeTimeout: Duration

    /// How long frames of a streaming connection may gather before they are written together.
    ///
    /// While a connection's output streams (a write carried several frames), its socket is written
    /// again after this interval with everything queued meanwhile, rather than once per frame (from
    /// another thread, each would cost a wake-up of the event loop). A connection whose output is
    /// sporadic is written at once. By default 1 millisecond: the most a frame of a busy stream waits.
    public var outputCoalescing: Duration

    /// Whether a connection's operations, hooks and timers run on its socket's event loop.
    ///
    /// On the event loop, a result reaches the socket without a thread switch. The loop runs these
    /// tasks in batches with its sockets served in between, so a stream that never waits does not
    /// starve the other connections of the loop. But a resolver or hook that blocks its thread (a
    /// synchronous file or database call) then stops every socket of the loop: turn this off when
    /// yours may block, and the tasks run on Swift's global concurrent executor. On by default.
    public var runsTasksOnEventLoop: Bool

    /// Creates a configuration; every parameter has the documented default.
    ///
    /// - Parameters:
    ///   - pingInterval: The interval of WebSocket ping frames, or `nil` for none.
    ///   - closeTimeout: How long the client has to answer the server's close frame.
    ///   - outputCoalescing: How long frames of a streaming connection may gather.
    ///   - runsTasksOnEventLoop: Whether a connection's tasks run on its socket's event loop.
    public init(
        pingInterval: Duration? = .seconds(30),
        closeTimeout: Duration = .seconds(15),
        outputCoalescing: Duration = .milliseconds(1),
        runsTasksOnEventLoop: Bool = true
    ) {
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
        self.outputCoalescing = outputCoalescing
        self.runsTasksOnEventLoop = runsTasksOnEventLoop
    }
}
