/// Which web pages may open a GraphQL WebSocket: the defence against cross-site WebSocket hijacking.
///
/// Browsers send every WebSocket upgrade with the `Origin` of the page that opened it, and with the
/// user's cookies for the server. Without a check, a page on any other site could open a socket
/// that carries those cookies. The policy looks at the `Origin` header:
///
/// - no `Origin` header (command-line tools, server-side clients, most non-browser libraries):
///   allowed, since no browser page is involved;
/// - an `Origin` with the `ws` or `wss` scheme: allowed for the same reason. A page's origin is
///   never a WebSocket URL, so no browser sends one; some client libraries do (hummingbird-websocket's
///   client sends `ws://host` without the port);
/// - an `Origin` whose host and port are the request's own (the `Host` header): allowed, so a page
///   served by the same server (the playground) works;
/// - an `Origin` in ``allowedOrigins``: allowed;
/// - anything else, including the opaque origin `null`: refused with `403 Forbidden` before any
///   protocol frame, unless `null` is listed.
///
/// Behind a reverse proxy the `Host` the server sees may be the proxy's upstream name. Set
/// ``trustsForwardedHost`` only when a proxy you control sets `Forwarded: host=…` or
/// `X-Forwarded-Host`; the request's own host is then the forwarded one. A client can send those
/// headers too, so never trust them on a server clients reach directly.
public struct OriginPolicy: Sendable, Hashable {
    /// Whether every origin is allowed (no check at all).
    public var allowsAnyOrigin: Bool

    /// Origins allowed besides the request's own host, as browsers send them:
    /// `scheme://host[:port]`, for example `https://app.example.com`. Compared without regard to
    /// case and with default ports (80 for `http`, 443 for `https`) made explicit.
    public var allowedOrigins: [String] {
        didSet { normalizedAllowedOrigins = Self.normalized(allowedOrigins) }
    }

    /// Whether `Forwarded: host=…` and `X-Forwarded-Host` name the request's own host (and the
    /// proxy's last `Forwarded: for=` / `X-Forwarded-For` entry the client's address, see
    /// ``UpgradeRequest/clientAddress``). Only for servers that every client reaches through one
    /// proxy you control.
    public var trustsForwardedHost: Bool

    private var normalizedAllowedOrigins: Set<String>

    /// Creates a policy that allows the request's own host and `allowedOrigins`.
    ///
    /// - Parameters:
    ///   - allowedOrigins: Further allowed origins, such as `https://app.example.com`.
    ///   - trustsForwardedHost: Whether a proxy's `Forwarded`/`X-Forwarded-Host` header names the
    ///     request's own host.
    public init(allowedOrigins: [String] = [], trustsForwardedHost: Bool = false) {
        self.allowsAnyOrigin = false
        self.allowedOrigins = allowedOrigins
        self.trustsForwardedHost = trustsForwardedHost
        self.normalizedAllowedOrigins = Self.normalized(allowedOrigins)
    }

    /// Origins compared as ``allows(header:)`` compares them; an entry that is not a
    /// `scheme://host[:port]` origin (such as `null`) is kept as written, in lower case.
    private static func normalized(_ origins: [String]) -> Set<String> {
        Set(origins.map { normalizedOrigin($0) ?? $0.lowercased() })
    }

    /// The default: pages served from the request's own host and port only.
    public static var sameHost: OriginPolicy { OriginPolicy() }

    /// No check: every origin may open a socket. Only for endpoints that use no cookies or other
    /// ambient credentials.
    public static var anyOrigin: OriginPolicy {
        var policy = OriginPolicy()
        policy.allowsAnyOrigin = true
        return policy
    }

    /// Whether an upgrade request with these headers may open a socket.
    ///
    /// - Parameter header: The values of a request header, by case-insensitive name.
    /// - Returns: `true` to go on with the upgrade, `false` to refuse it with `403 Forbidden`.
    public func allows(header: (String) -> [String]) -> Bool {
        if allowsAnyOrigin { return true }
        let origins = header("Origin")
        guard let origin = origins.first else { return true }
        // Browsers send exactly one Origin; several are not a browser's and are not trusted.
        guard origins.count == 1, let normalized = Self.normalizedOrigin(origin) else {
            return origins.count == 1 && normalizedAllowedOrigins.contains(origin.lowercased())
        }
        if normalizedAllowedOrigins.contains(normalized) { return true }
        if normalized.hasPrefix("ws://") || normalized.hasPrefix("wss://") { return true }
        guard let host = ownHost(header: header) else { return false }
        let scheme = normalized.prefix(while: { $0 != ":" })
        guard let own = Self.normalizedAuthority(host, defaultPort: Self.defaultPort(scheme: scheme)) else { return false }
        return normalized == "\(scheme)://\(own)"
    }

    /// The host the request was sent to: the forwarded one when trusted, else `Host`.
    private func ownHost(header: (String) -> [String]) -> String? {
        if trustsForwardedHost {
            if let forwarded = header("Forwarded").first.flatMap(Self.forwardedHost) { return forwarded }
            if let first = header("X-Forwarded-Host").first?.split(separator: ",").first {
                return String(first.trimmingWhitespace())
            }
        }
        return header("Host").first.map { String($0.trimmingWhitespace()) }
    }

    /// The `host=` parameter of the first element of a `Forwarded` header (RFC 7239).
    private static func forwardedHost(_ value: String) -> String? {
        guard let element = value.split(separator: ",").first else { return nil }
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingWhitespace().lowercased() == "host" else { continue }
            var host = String(parts[1].trimmingWhitespace())
            if host.count >= 2, host.hasPrefix("\""), host.hasSuffix("\"") { host = String(host.dropFirst().dropLast()) }
            return host
        }
        return nil
    }

    /// `scheme://host:port` in lower case with the port always present, or `nil` when `origin` is
    /// not a `scheme://host[:port]` origin.
    static func normalizedOrigin(_ origin: String) -> String? {
        let lowered = origin.lowercased()
        guard let separator = lowered.firstRange(of: "://") else { return nil }
        let scheme = lowered[..<separator.lowerBound]
        let rest = lowered[separator.upperBound...]
        guard !scheme.isEmpty, !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else { return nil }
        guard let authority = normalizedAuthority(String(rest), defaultPort: defaultPort(scheme: scheme)) else { return nil }
        return "\(scheme)://\(authority)"
    }

    /// `host:port` in lower case, with `defaultPort` when the port is absent; IPv6 hosts keep their
    /// brackets.
    private static func normalizedAuthority(_ authority: String, defaultPort: Int?) -> String? {
        let lowered = authority.lowercased()
        let host: Substring
        let port: Substring?
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return nil }
            host = lowered[...close]
            let after = lowered[lowered.index(after: close)...]
            if after.isEmpty {
                port = nil
            } else {
                guard after.hasPrefix(":") else { return nil }
                port = after.dropFirst()
            }
        } else if let colon = lowered.lastIndex(of: ":") {
            host = lowered[..<colon]
            port = lowered[lowered.index(after: colon)...]
        } else {
            host = lowered[...]
            port = nil
        }
        guard !host.isEmpty else { return nil }
        if let port {
            guard let number = Int(port), (0...65535).contains(number) else { return nil }
            return "\(host):\(number)"
        }
        guard let defaultPort else { return nil }
        return "\(host):\(defaultPort)"
    }

    /// The port a URL of `scheme` means when it names none.
    private static func defaultPort(scheme: Substring) -> Int? {
        switch scheme {
        case "http", "ws": 80
        case "https", "wss": 443
        default: nil
        }
    }
}
