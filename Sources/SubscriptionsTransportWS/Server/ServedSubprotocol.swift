/// One subprotocol a server serves, without the server's executor type: what an adapter needs to
/// accept a socket speaking it.
package struct ServedSubprotocol: Sendable {
    package let subprotocol: WebSocketSubprotocol
    /// The protocol's own inbound limit, so that a message over it closes with 1009 on either.
    package let maxMessageBytes: Int
    /// Creates the protocol side of one accepted socket, given the request that opened it.
    package let makeConnection: @Sendable (UpgradeRequest) -> any WebSocketServerConnection
}

extension GraphQLWebSocketServer {
    /// The served subprotocols, most preferred first.
    package var servedSubprotocols: [ServedSubprotocol] {
        subprotocols.map { subprotocol in
            ServedSubprotocol(
                subprotocol: subprotocol,
                maxMessageBytes: maxInboundMessageBytes(for: subprotocol),
                makeConnection: { makeConnection(speaking: subprotocol, request: $0) }
            )
        }
    }
}
