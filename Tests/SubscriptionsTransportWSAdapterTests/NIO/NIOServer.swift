import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import SubscriptionsTransportWS
import SubscriptionsTransportWSHummingbird
import SubscriptionsTransportWSNIO
import TestSupport

/// Runs a Hummingbird application serving `server` at `/graphql` through the SwiftNIO channel
/// (`HTTPServerBuilder.http1GraphQLWebSocket`) on 127.0.0.1 with an ephemeral port, runs `body` with
/// its URL, then stops the application.
func withHummingbirdNIOServer<Value: Sendable>(
    _ server: TestGraphQLServer,
    webSocket: GraphQLWebSocketChannelConfiguration = GraphQLWebSocketChannelConfiguration(),
    _ body: @Sendable (_ url: URL) async throws -> Value
) async throws -> Value {
    try await withHummingbirdApplication(server: .http1GraphQLWebSocket(server: server, webSocket: webSocket)) { port in
        try await body(graphQLURL(port: port))
    }
}

/// Runs a bare SwiftNIO server (no web framework) serving `server` at `/graphql` on 127.0.0.1 with
/// an ephemeral port, as the `GraphQLWebSocketNIOEndpoint` documentation shows; other requests get
/// `404 Not Found`.
func withBareNIOServer<Value: Sendable>(
    _ server: TestGraphQLServer,
    _ body: @Sendable (_ url: URL) async throws -> Value
) async throws -> Value {
    let endpoint = GraphQLWebSocketNIOEndpoint(server: server)
    let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try endpoint.configureHTTP1Pipeline(on: channel) { channel, refusal in
                    GraphQLWebSocketNIOEndpoint.respond(refusal.map { HTTPResponseStatus(statusCode: $0.statusCode) } ?? .notFound, on: channel)
                }
            }
        }
    let port = listener.channel.localAddress!.port!
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await withThrowingDiscardingTaskGroup { connections in
                try await listener.executeThenClose { inbound in
                    for try await upgrade in inbound {
                        connections.addTask {
                            if case .webSocket(let socket) = try? await upgrade.get() { await socket.run() }
                        }
                    }
                }
            }
        }
        defer { group.cancelAll() }
        let value = try await body(graphQLURL(port: port))
        try await listener.channel.close()
        await server.closeAllConnections()
        return value
    }
}

/// The NIO endpoint for `server`, for the shared negotiation cases.
func nioEndpoint(_ server: TestGraphQLServer) -> any NegotiatingEndpoint {
    GraphQLWebSocketNIOEndpoint(server: server)
}

extension GraphQLWebSocketNIOEndpoint: NegotiatingEndpoint {
    /// See ``NegotiatingEndpoint/negotiate(offers:headerName:)``.
    func negotiate(offers: [String], headerName: String) -> WebSocketSubprotocol? {
        negotiate(HTTPHeaders(offers.map { (headerName, $0) }))
    }

    /// See ``NegotiatingEndpoint/upgradeSubprotocols(offers:)``.
    func upgradeSubprotocols(offers: [String]) -> [String]? {
        negotiate(offers: offers, headerName: "Sec-WebSocket-Protocol").map { [$0.name] }
    }
}
