import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SubscriptionsTransportWS
import SubscriptionsTransportWSNIO

extension HTTPServerBuilder {
    /// HTTP/1 with GraphQL over WebSocket on one path, served on SwiftNIO directly: the fastest way to
    /// serve GraphQL subscriptions from a Hummingbird application.
    ///
    /// An upgrade to `path` offering a served subprotocol becomes a connection of `server`; every other
    /// request goes to the application's router as usual, so HTTP routes keep working beside it. An
    /// upgrade to `path` without an acceptable subprotocol is refused with `400 Bad Request`.
    ///
    /// ```swift
    /// let server = GraphQLWebSocketServer(executor: try GraphQLSwiftExecutor<JSONObject>(schema: schema))
    /// let app = Application(
    ///     router: router,  // the application's HTTP routes
    ///     server: .http1GraphQLWebSocket(server: server),
    ///     configuration: .init(address: .hostname("127.0.0.1", port: 8080))
    /// )
    /// try await app.runService()
    /// ```
    ///
    /// Unlike the router-based route (`router.ws(_:graphQL:)`), each socket is a NIO channel handler
    /// that writes every ready frame in one buffer and flushes once, and the connection's tasks run
    /// on the socket's event loop.
    ///
    /// - Parameters:
    ///   - server: The server that runs each connection.
    ///   - path: The GraphQL endpoint's path. By default `/graphql`.
    ///   - webSocket: WebSocket-level settings: pings and the close timeout.
    ///   - http1: The HTTP/1 settings for the other requests.
    /// - Returns: The server builder for `Application(router:server:)`.
    public static func http1GraphQLWebSocket<Executor: GraphQLExecutor>(
        server: GraphQLWebSocketServer<Executor>,
        path: String = "/graphql",
        webSocket: GraphQLWebSocketChannelConfiguration = GraphQLWebSocketChannelConfiguration(),
        http1: HTTP1Channel.Configuration = HTTP1Channel.Configuration()
    ) -> HTTPServerBuilder {
        let endpoint = GraphQLWebSocketNIOEndpoint(server: server, path: path, configuration: webSocket)
        return HTTPServerBuilder { responder in
            HTTP1GraphQLWebSocketChannel(responder: responder, endpoint: endpoint, http1: http1)
        }
    }
}

/// A Hummingbird child channel serving HTTP/1 and, on one path, GraphQL over WebSocket through
/// ``SubscriptionsTransportWSNIO/GraphQLWebSocketNIOEndpoint``. Made by
/// `HTTPServerBuilder.http1GraphQLWebSocket(server:path:webSocket:http1:)`.
public struct HTTP1GraphQLWebSocketChannel: ServerChildChannel, HTTPChannelHandler {
    /// What a connection became once its first request was decided.
    public struct Value: ServerChildChannelValue {
        /// Completes for a WebSocket once it is done, for HTTP/1 once the first request is decided:
        /// the connection's task waits once, not at every step of a WebSocket's life.
        let outcome: EventLoopFuture<Outcome>
        /// The connection's channel.
        public let channel: any Channel
    }

    /// How a connection's first request was served.
    enum Outcome: Sendable {
        /// The connection was a GraphQL WebSocket, and it is done.
        case webSocketFinished
        /// The connection stayed HTTP/1.
        case notUpgraded(HTTPConnection)
    }

    /// A connection that stayed HTTP/1.
    struct HTTPConnection: Sendable {
        let channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
        /// Set when the first request was an upgrade to the GraphQL path that had to be refused.
        let refusal: UpgradeRefusal?
    }

    /// Answers the HTTP requests that are not GraphQL WebSocket upgrades.
    public let responder: HTTPChannelHandler.Responder
    private let endpoint: GraphQLWebSocketNIOEndpoint
    private let http1: HTTP1Channel.Configuration

    init(responder: @escaping HTTPChannelHandler.Responder, endpoint: GraphQLWebSocketNIOEndpoint, http1: HTTP1Channel.Configuration) {
        self.responder = responder
        self.endpoint = endpoint
        self.http1 = http1
    }

    /// Configures an accepted connection for HTTP/1 with the GraphQL WebSocket upgrade.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let upgrade = try endpoint.configureHTTP1Pipeline(on: channel, decoderLimits: limits) { [http1] channel, refusal in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger)
                    )
                    let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                    return HTTPConnection(channel: asyncChannel, refusal: refusal)
                }
            }
            let outcome = upgrade.flatMap { upgrade -> EventLoopFuture<Outcome> in
                switch upgrade {
                case .webSocket(let socket): socket.finished.map { .webSocketFinished }
                case .notUpgraded(let connection): channel.eventLoop.makeSucceededFuture(.notUpgraded(connection))
                }
            }
            return Value(outcome: outcome, channel: channel)
        }
    }

    /// Serves the connection: runs the GraphQL WebSocket, or answers HTTP/1 requests.
    public func handle(value: Value, logger: Logger) async {
        do {
            // A cancelled task ends a WebSocket as if its socket went away.
            let channel = value.channel
            let outcome = try await withTaskCancellationHandler {
                try await value.outcome.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            switch outcome {
            case .webSocketFinished:
                return
            case .notUpgraded(let connection):
                if let refusal = connection.refusal {
                    logger.debug("GraphQL WebSocket upgrade refused", metadata: ["graphql_ws.refusal": "\(refusal)"])
                    await refuse(connection.channel, status: HTTPResponse.Status(code: refusal.statusCode), logger: logger)
                } else {
                    await handleHTTP(asyncChannel: connection.channel, logger: logger)
                }
            }
        } catch {
            logger.debug("Connection ended before its first request was decided", metadata: ["error": "\(error)"])
        }
    }

    /// Answers a refused upgrade with an empty response and closes the connection.
    private func refuse(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, status: HTTPResponse.Status, logger: Logger) async {
        do {
            try await channel.executeThenClose { _, outbound in
                let head = HTTPResponse(status: status, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("Could not answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }
}
