import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import ServiceLifecycle
import SubscriptionsTransportWS
import SubscriptionsTransportWSHummingbird
import TestSupport

/// How a Hummingbird test application is built.
enum HummingbirdSetup: Sendable {
    /// A router route made with `ws(_:graphQL:)`.
    case router
    /// No router: `http1WebSocketUpgrade(configuration:shouldUpgrade:)` with `endpoint.upgrade(_:)`.
    case upgradeWithoutRouter
}

/// Runs a Hummingbird application serving `server` at `/graphql` on 127.0.0.1 with an ephemeral
/// port, runs `body` with its URL, then stops the application.
///
/// - Parameters:
///   - server: The GraphQL server.
///   - setup: How the route is made.
///   - body: The test, given the WebSocket URL of `/graphql`.
func withHummingbirdServer<Value: Sendable>(
    _ server: TestGraphQLServer,
    setup: HummingbirdSetup = .router,
    _ body: @Sendable (_ url: URL) async throws -> Value
) async throws -> Value {
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .graphQL(maxMessageBytes: server.maxInboundMessageBytes))

    let serverBuilder: HTTPServerBuilder
    switch setup {
    case .router:
        let webSocketRouter = Router(context: AddressedWebSocketRequestContext.self)
        webSocketRouter.ws("/graphql", graphQL: server)
        serverBuilder = .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: configuration)
    case .upgradeWithoutRouter:
        let endpoint = GraphQLWebSocketEndpoint(server: server)
        serverBuilder = .http1WebSocketUpgrade(configuration: configuration) { request, channel, _ in
            guard request.path == "/graphql" else { return .dontUpgrade }
            return endpoint.upgrade(request, remoteAddress: channel.remoteAddress?.ipAddress)
        }
    }

    return try await withHummingbirdApplication(server: serverBuilder) { port in try await body(graphQLURL(port: port)) }
}

/// A WebSocket router context that knows the client's address, as an application's would
/// (Hummingbird's `RemoteAddressRequestContext`): the connect hook then sees it.
struct AddressedWebSocketRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

/// The Hummingbird endpoint for `server`, for the shared negotiation cases.
func hummingbirdEndpoint(_ server: TestGraphQLServer) -> any NegotiatingEndpoint {
    GraphQLWebSocketEndpoint(server: server)
}

extension GraphQLWebSocketEndpoint: NegotiatingEndpoint {
    /// See ``NegotiatingEndpoint/negotiate(offers:headerName:)``.
    func negotiate(offers: [String], headerName: String) -> WebSocketSubprotocol? {
        negotiate(Self.fields(HTTPField.Name(headerName)!, offers))
    }

    /// See ``NegotiatingEndpoint/upgradeSubprotocols(offers:)``.
    func upgradeSubprotocols(offers: [String]) -> [String]? {
        let request = HTTPRequest(
            method: .get,
            scheme: nil,
            authority: "127.0.0.1",
            path: "/graphql",
            headerFields: Self.fields(.secWebSocketProtocol, offers)
        )
        switch try? shouldUpgrade(request) {
        case .upgrade(let answer): return answer[values: .secWebSocketProtocol]
        case .dontUpgrade, nil: return nil
        }
    }

    /// One `name` field for each of `values`, in order.
    private static func fields(_ name: HTTPField.Name, _ values: [String]) -> HTTPFields {
        HTTPFields(values.map { HTTPField(name: name, value: $0) })
    }
}
