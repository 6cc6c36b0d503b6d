/// What happened to one connection attempt, reported to the driver.
enum TransportEvent: Sendable {
    /// The WebSocket is open; `subprotocol` is the server's `Sec-WebSocket-Protocol` answer.
    case opened(WebSocketWriter, subprotocol: String?)
    /// A whole text or binary message arrived.
    case message([UInt8])
    /// The connection is over: the close frame the server sent, or `nil` when it ended without one.
    case ended(ConnectionClose?)
    /// The WebSocket could not be opened.
    case failed(GraphQLWebSocketClientError)
}
