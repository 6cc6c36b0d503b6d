import NIOCore
import NIOPosix
import NIOSSL
import SubscriptionsTransportWS

/// A GraphQL over WebSocket client that speaks both `graphql-ws` (Apollo's
/// `subscriptions-transport-ws` protocol) and `graphql-transport-ws` (the `graphql-ws` library's
/// protocol).
///
/// The client offers the subprotocols of its ``Configuration/protocolChoice`` and speaks whichever
/// the server picks. The connection lives for the scope of ``withConnection(isolation:_:)``:
///
/// ```swift
/// let client = GraphQLWebSocketClient(
///     url: "ws://127.0.0.1:8080/graphql",
///     configuration: .init(initPayload: ["token": "secret"])
/// )
/// try await client.withConnection { connection in
///     let hello = try await connection.query(OperationRequest(query: "{ hello }"))
///     print(hello.data ?? .null)
///     for try await result in connection.subscribe(OperationRequest(query: "subscription { counter(n: 3) }")) {
///         print(result.jsonValue)
///     }
/// }
/// ```
public struct GraphQLWebSocketClient: Sendable {
    /// The server's URL: `ws://`, `wss://`, or their `http://` and `https://` spellings.
    public var url: String
    /// How to connect, stay connected and reconnect.
    public var configuration: Configuration
    /// The event loops the sockets run on.
    public var eventLoopGroup: any EventLoopGroup

    /// Creates a client; nothing connects until ``withConnection(isolation:_:)``.
    ///
    /// - Parameters:
    ///   - url: The server's URL.
    ///   - configuration: How to connect, stay connected and reconnect.
    ///   - eventLoopGroup: The event loops the sockets run on; by default NIO's shared ones.
    public init(
        url: String,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.url = url
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects, runs `body` with the acknowledged connection, then closes.
    ///
    /// The call returns once `body` returned and the connection is closed: on `graphql-ws` after
    /// `stop` for every live operation and `connection_terminate`, on `graphql-transport-ws` with
    /// close code 1000, as the reference clients do. Operations still live then fail with
    /// ``GraphQLWebSocketClientError/clientClosed``.
    ///
    /// If the connection is lost while `body` runs, live operations fail with the reason, unless
    /// ``Configuration/reconnect`` reconnects and sends them again; `body` itself goes on.
    ///
    /// - Parameters:
    ///   - isolation: The actor `body` runs on; by default the caller's.
    ///   - body: Uses the connection.
    /// - Returns: What `body` returned.
    /// - Throws: ``GraphQLWebSocketClientError`` when no connection could be acknowledged (after the
    ///   configured retries), or what `body` threw.
    @discardableResult
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (GraphQLWebSocketConnection) async throws -> Result
    ) async throws -> Result {
        guard let url = WebSocketURL(self.url) else { throw GraphQLWebSocketClientError.invalidURL(self.url) }
        let sslContext: NIOSSLContext?
        if url.isSecure {
            do {
                sslContext = try NIOSSLContext(
                    configuration: configuration.tlsConfiguration ?? .makeClientConfiguration()
                )
            } catch {
                throw GraphQLWebSocketClientError.connectionFailed(reason: "TLS setup failed: \(error)")
            }
        } else {
            sslContext = nil
        }
        let connector = WebSocketConnector(
            url: url,
            offers: configuration.protocolChoice.offers.map(\.name),
            headers: configuration.headers,
            maxMessageBytes: configuration.maxMessageBytes,
            // The TCP and HTTP upgrade get at least 10 s even with a short acknowledgement timeout,
            // so a slow network (or a loaded machine) is reported as what it is.
            handshakeTimeout: max(configuration.connectionAckTimeout ?? .seconds(60), .seconds(10)),
            sslContext: sslContext,
            eventLoopGroup: eventLoopGroup
        )
        let (events, eventContinuation) = AsyncStream.makeStream(of: DriverEvent.self)
        let (readiness, readinessContinuation) = AsyncStream.makeStream(
            of: Swift.Result<Void, GraphQLWebSocketClientError>.self
        )
        let registry = OperationRegistry(
            events: eventContinuation,
            maxBufferedResults: configuration.maxBufferedResults,
            maxQueuedMessages: configuration.maxQueuedMessages
        )
        let driver = ClientDriver(connector: connector, configuration: configuration, registry: registry)

        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                await driver.run(events: events, readiness: readinessContinuation)
            }
            defer { group.cancelAll() }
            var outcome = readiness.makeAsyncIterator()
            let ready = await outcome.next() ?? .failure(.clientClosed)
            if case .failure(let error) = ready {
                eventContinuation.yield(.shutdown)
                try await group.waitForAll()
                throw error
            }
            let result: Result
            do {
                result = try await body(GraphQLWebSocketConnection(registry: registry))
            } catch {
                eventContinuation.yield(.shutdown)
                try? await group.waitForAll()
                throw error
            }
            eventContinuation.yield(.shutdown)
            try await group.waitForAll()
            return result
        }
    }
}
