import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// One upgraded GraphQL WebSocket on a SwiftNIO channel, joined to a connection of the server.
///
/// The connection starts as soon as the upgrade is answered, and is driven on the channel's event
/// loop: the handler moves frames between the socket and the connection, and the connection's
/// tasks and timers run on the same event loop. Nothing needs a task of the host's until the end:
/// ``run()`` (or ``finished``) tells when the socket is done.
public struct GraphQLWebSocketChannel: Sendable {
    /// The protocol the socket speaks, as negotiated during the upgrade.
    public let subprotocol: WebSocketSubprotocol
    private let connection: any WebSocketServerConnection

    /// Completes once the connection has ended, every operation and hook has finished, and the
    /// channel is closed (after the close handshake, or the close timeout).
    public let finished: EventLoopFuture<Void>

    /// Puts the frame decoder and the handler for a new connection into an upgraded channel's
    /// pipeline and starts the connection; on the channel's event loop.
    init(
        _ channel: any Channel,
        served: ServedSubprotocol,
        request: UpgradeRequest,
        configuration: GraphQLWebSocketChannelConfiguration
    ) throws {
        let eventLoop = channel.eventLoop
        let connection = served.makeConnection(
            request,
            configuration.runsTasksOnEventLoop ? EventLoopTaskExecutor.of(eventLoop) : nil,
            EventLoopClock(eventLoop: eventLoop)
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
        let ended = eventLoop.makePromise(of: Void.self)
        let loopBoundHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        connection.start {
            eventLoop.execute {
                loopBoundHandler.value.connectionEnded()
                ended.succeed()
            }
        }
        self.subprotocol = served.subprotocol
        self.connection = connection
        self.finished = ended.futureResult.and(channel.closeFuture).map { _ in }
    }

    /// Waits until the connection has ended and the channel is closed (``finished``).
    ///
    /// Returns once every operation and hook has finished and the close handshake is done (or the
    /// close timeout has passed). Cancelling the calling task ends the connection as if the socket
    /// went away; the call still returns only once the connection's work has finished.
    ///
    /// The connection's operations, hooks and timers run on the channel's event loop, or on the
    /// global concurrent executor (``GraphQLWebSocketChannelConfiguration/runsTasksOnEventLoop``).
    public func run() async {
        let connection = self.connection
        await withTaskCancellationHandler {
            try? await finished.get()
        } onCancel: {
            connection.transportClosed()
        }
    }
}
