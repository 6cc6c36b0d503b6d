/// The parts of a `ws://` or `wss://` URL a WebSocket client needs.
///
/// `http` and `https` are accepted as synonyms of `ws` and `wss`, since GraphQL endpoints are often
/// written so. Parsing is deliberately small (no percent-decoding, no user info): the path and query
/// are sent as written.
struct WebSocketURL: Sendable, Hashable {
    /// Whether the connection uses TLS.
    var isSecure: Bool
    /// The host name or address, without IPv6 brackets.
    var host: String
    /// The port, explicit or the scheme's default.
    var port: Int
    /// Whether the URL named the port.
    var hasExplicitPort: Bool
    /// The request target: path and query, at least `/`.
    var requestTarget: String

    /// Parses a URL.
    ///
    /// - Parameter string: The URL text.
    /// - Returns: The URL, or `nil` when the scheme is not a WebSocket or HTTP one, the host is missing
    ///   or the port is not a number in 1...65535.
    init?(_ string: String) {
        guard let colon = string.firstIndex(of: ":"), string[colon...].hasPrefix("://") else { return nil }
        switch string[..<colon].lowercased() {
        case "ws", "http": isSecure = false
        case "wss", "https": isSecure = true
        default: return nil
        }
        let rest = string[string.index(colon, offsetBy: 3)...]
        let endsAuthority: (Character) -> Bool = { $0 == "/" || $0 == "?" || $0 == "#" }
        let authorityEnd = rest.firstIndex(where: endsAuthority) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = rest[authorityEnd...]
        if let fragment = target.firstIndex(of: "#") { target = target[..<fragment] }
        requestTarget = target.isEmpty ? "/" : (target.first == "?" ? "/" + target : String(target))
        guard !authority.isEmpty, !authority.contains("@") else { return nil }

        let hostPart: Substring
        let portPart: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let afterHost = authority[authority.index(after: close)...]
            if afterHost.isEmpty {
                portPart = nil
            } else if afterHost.first == ":" {
                portPart = afterHost.dropFirst()
            } else {
                return nil
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { return nil }
        host = String(hostPart)
        if let portPart {
            guard let port = Int(portPart), (1...65535).contains(port) else { return nil }
            self.port = port
            hasExplicitPort = true
        } else {
            port = isSecure ? 443 : 80
            hasExplicitPort = false
        }
    }

    /// The `Host` header value: the host (bracketed when IPv6) and the port when the URL named one.
    var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return hasExplicitPort ? "\(host):\(port)" : host
    }
}
