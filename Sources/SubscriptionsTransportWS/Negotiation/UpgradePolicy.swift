/// What a server checks before a host accepts a WebSocket upgrade to its GraphQL endpoint.
///
/// Every adapter of this package asks the server (``GraphQLWebSocketServer/decideUpgrade(header:)``)
/// and answers a refusal with its HTTP status before any protocol frame.
public struct UpgradePolicy: Sendable, Hashable {
    /// Which web pages may open a socket; by default pages of the request's own host and port.
    public var origins: OriginPolicy

    /// The most connections the server holds at once; upgrades past it are refused with
    /// `503 Service Unavailable`. A connection counts from its upgrade until its host lets it go
    /// after it closed. Upgrades decided at the same moment on different event loops may all see
    /// room; a connection made past the limit that way closes with 1013 (try again later) as it
    /// starts, so the server never holds more.
    public var maxConnections: Int

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - origins: Which web pages may open a socket.
    ///   - maxConnections: The most connections held at once. By default 16,384.
    public init(origins: OriginPolicy = .sameHost, maxConnections: Int = 16_384) {
        self.origins = origins
        self.maxConnections = maxConnections
    }
}

/// Why a server refuses a WebSocket upgrade; each has the HTTP status a host answers with.
public enum UpgradeRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request's `Origin` is not allowed (cross-site WebSocket hijacking): `403 Forbidden`.
    case originNotAllowed
    /// The client offered no served subprotocol: `400 Bad Request`.
    case noAcceptableSubprotocol
    /// The server holds ``UpgradePolicy/maxConnections`` already: `503 Service Unavailable`.
    case tooManyConnections

    /// The HTTP status code to answer the upgrade request with.
    public var statusCode: Int {
        switch self {
        case .originNotAllowed: 403
        case .noAcceptableSubprotocol: 400
        case .tooManyConnections: 503
        }
    }

    /// The reason in words, for logs and response bodies.
    public var description: String {
        switch self {
        case .originNotAllowed: "origin not allowed"
        case .noAcceptableSubprotocol: "no served subprotocol offered"
        case .tooManyConnections: "too many connections"
        }
    }
}

extension GraphQLWebSocketServer {
    /// Decides a WebSocket upgrade request to the GraphQL endpoint: the `Origin` check first, then
    /// subprotocol negotiation, then the connection limit.
    ///
    /// - Parameter header: The values of a request header, by case-insensitive name.
    /// - Returns: The subprotocol to answer with, or why the upgrade is refused.
    public func decideUpgrade(header: (String) -> [String]) -> Result<WebSocketSubprotocol, UpgradeRefusal> {
        guard upgradePolicy.origins.allows(header: header) else { return .failure(.originNotAllowed) }
        guard let subprotocol = negotiate(offers: header("Sec-WebSocket-Protocol")) else {
            return .failure(.noAcceptableSubprotocol)
        }
        guard connections.aliveCount < upgradePolicy.maxConnections else { return .failure(.tooManyConnections) }
        return .success(subprotocol)
    }
}
