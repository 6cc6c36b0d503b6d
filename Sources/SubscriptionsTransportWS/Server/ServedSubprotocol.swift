/// One subprotocol a server serves, without the server's executor type: what an adapter needs to
/// accept a socket speaking it.
package struct ServedSubprotocol: Sendable {
    package let subprotocol: WebSocketSubprotocol
    /// The protocol's own inbound limit, so that a message over it closes with 1009 on either.
    package let maxMessageBytes: Int
    /// Creates the protocol side of one accepted socket, given the request that opened it, the
    /// executor its tasks prefer and the clock of its timers.
    package let makeConnection: @Sendable (UpgradeRequest, (any TaskExecutor)?, any Clock<Duration>) -> any WebSocketServerConnection
}

extension GraphQLWebSocketServer {
    /// The served subprotocols, most preferred first.
    package var servedSubprotocols: [ServedSubprotocol] {
        subprotocols.map { subprotocol in
            ServedSubprotocol(
                subprotocol: subprotocol,
                maxMessageBytes: maxInboundMessageBytes(for: subprotocol),
                makeConnection: { makeConnection(speaking: subprotocol, request: $0, clock: $2, taskExecutor: $1) }
            )
        }
    }
}

/// What an adapter's endpoint needs of a server, whatever its executor: the served subprotocols and
/// the server's decision about an upgrade. Every adapter keeps one.
package struct ServedEndpoint: Sendable {
    /// The served protocols, most preferred first.
    package let served: [ServedSubprotocol]
    private let decideUpgrade: @Sendable (_ header: (String) -> [String]) -> Result<WebSocketSubprotocol, UpgradeRefusal>

    package init<Executor: GraphQLExecutor>(server: GraphQLWebSocketServer<Executor>) {
        served = server.servedSubprotocols
        decideUpgrade = { server.decideUpgrade(header: $0) }
    }

    /// The subprotocols served, most preferred first.
    package var subprotocols: [WebSocketSubprotocol] { served.map(\.subprotocol) }

    /// The largest inbound message any served protocol accepts, in bytes.
    package var maxMessageBytes: Int { served.map(\.maxMessageBytes).max() ?? 0 }

    /// The server's decision about an upgrade request: the `Origin` check, subprotocol negotiation
    /// and the connection limit (`GraphQLWebSocketServer.decideUpgrade(header:)`).
    package func decide(header: (String) -> [String]) -> Result<WebSocketSubprotocol, UpgradeRefusal> {
        decideUpgrade(header)
    }

    /// The served protocol for a subprotocol, if it is served.
    package func served(_ subprotocol: WebSocketSubprotocol) -> ServedSubprotocol? {
        served.first { $0.subprotocol == subprotocol }
    }
}
