import HummingbirdWebSocket

extension WebSocketServerConfiguration {
    /// A WebSocket configuration for GraphQL endpoints.
    ///
    /// Hummingbird refuses frames over `maxFrameSize`, 16 KiB by default, before the protocol sees
    /// them; GraphQL documents are often longer. This configuration admits frames up to the largest
    /// message the protocol accepts, so the protocol's own limit is the one that applies. A longer
    /// message closes the socket with 1009 (message too big). WebSocket-level pings stay on: they
    /// find dead peers, which the protocols' own keep-alives (`graphql-ws`'s `ka` is only sent;
    /// `graphql-transport-ws`'s server `ping` is off by default) do not.
    ///
    /// - Parameters:
    ///   - maxMessageBytes: The largest inbound message, in bytes; pass the server's
    ///     `maxInboundMessageBytes`. By default 1 MiB, the protocols' default.
    ///   - autoPing: WebSocket ping cadence; by default every 30 seconds, as Hummingbird's.
    ///   - closeTimeout: How long to wait for the client's close frame after the server's.
    /// - Returns: The configuration.
    public static func graphQL(
        maxMessageBytes: Int = 1 << 20,
        autoPing: AutoPingSetup = .enabled(timePeriod: .seconds(30)),
        closeTimeout: Duration = .seconds(15)
    ) -> WebSocketServerConfiguration {
        WebSocketServerConfiguration(maxFrameSize: maxMessageBytes, autoPing: autoPing, closeTimeout: closeTimeout)
    }
}
