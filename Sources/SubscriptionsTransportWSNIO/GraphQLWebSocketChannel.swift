import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// One upgraded GraphQL WebSocket on a SwiftNIO channel, joined to a connection of the server.
///
/// The channel's handler moves frames between the socket and the connection on the event loop;
/// ``run()`` runs the connection itself, with its tasks on the same event loop.
public struct GraphQLWebSocketChannel: Sendable {
    /// The protocol the socket speaks, as negotiated during the upgrade.
    public let subprotocol: WebSocketSubprotocol
    private let channel: any Channel
    private let connection: any WebSocketServerConnection
    private let handler: NIOLoopBound<GraphQLWebSocketHandler>

    /// Puts the frame decoder and the handler for a new connection into an upgraded channel's
    /// pipeline; on the channel's event loop.
    init(
        _ channel: any Channel,
        served: ServedSubprotocol,
        request: UpgradeRequest,
        configuration: GraphQLWebSocketChannelConfiguration
    ) throws {
        let connection = served.makeConnection(
            request,
            configuration.runsTasksOnEventLoop ? EventLoopTaskExecutor.of(channel.eventLoop) : nil
        )
        let handler = GraphQLWebSocketHandler(
            connection: connection,
            maxMessageBytes: served.maxMessageBytes,
            configuration: configuration
        )
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: served.maxMessageBytes))
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        self.subprotocol = served.subprotocol
        self.channel = channel
        self.connection = connection
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// Serves the socket until the connection has ended and the channel is closed.
    ///
    /// Returns once every operation and hook has finished and the close handshake is done (or the
    /// close timeout has passed).
    ///
    /// The connection's operations, hooks and timers run on the channel's event loop, or on the
    /// global concurrent executor (``GraphQLWebSocketChannelConfiguration/runsTasksOnEventLoop``).
    public func run() async {
        await connection.run()
        let handler = self.handler
        channel.eventLoop.execute { handler.value.connectionEnded() }
        try? await channel.closeFuture.get()
    }
}
