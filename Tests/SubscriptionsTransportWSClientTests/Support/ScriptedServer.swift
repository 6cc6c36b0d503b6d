import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SubscriptionsTransportWS
import TestSupport

/// A WebSocket server on 127.0.0.1 that plays a script instead of a protocol, written on SwiftNIO so
/// that a test controls every frame: misbehaving servers, silent servers, dropped connections, and
/// the close frames the client sends (which Hummingbird does not reveal).
enum ScriptedServer {
    /// What the script of one connection gets: the frames, and the connection's number from 1.
    typealias Script = @Sendable (_ socket: inout ScriptedSocket, _ connection: Int) async throws -> Void

    private enum Upgrade: Sendable {
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    /// Runs the server while `body` runs.
    ///
    /// - Parameters:
    ///   - subprotocol: The `Sec-WebSocket-Protocol` to answer with, whatever the client offered;
    ///     `nil` answers without one.
    ///   - script: Played for each connection; when it returns, the connection is dropped.
    ///   - body: The test, given the server's URL.
    @discardableResult
    static func run<Value: Sendable>(
        answering subprotocol: String?,
        script: @escaping Script,
        _ body: @escaping @Sendable (_ url: String) async throws -> Value
    ) async throws -> Value {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                        shouldUpgrade: { channel, _ in
                            var headers = HTTPHeaders()
                            if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                            return channel.eventLoop.makeSucceededFuture(headers)
                        },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                .webSocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                            }
                        }
                    )
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                        configuration: .init(
                            upgradeConfiguration: .init(
                                upgraders: [upgrader],
                                notUpgradingCompletionHandler: { channel in
                                    channel.close().map { .refused }
                                }
                            )
                        )
                    )
                }
            }
        let url = "ws://127.0.0.1:\(server.channel.localAddress!.port!)/graphql"
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connectionGroup in
                    try await server.executeThenClose { upgrades in
                        var connections = 0
                        for try await upgrade in upgrades {
                            connections += 1
                            let number = connections
                            connectionGroup.addTask {
                                guard case .webSocket(let channel) = try? await upgrade.get() else { return }
                                try? await channel.executeThenClose { inbound, outbound in
                                    var socket = ScriptedSocket(inbound: inbound, outbound: outbound)
                                    try await script(&socket, number)
                                }
                            }
                        }
                    }
                }
                return nil
            }
            defer { group.cancelAll() }
            let value = try await withTimeout { try await body(url) }
            server.channel.close(promise: nil)
            return value
        }
    }
}
