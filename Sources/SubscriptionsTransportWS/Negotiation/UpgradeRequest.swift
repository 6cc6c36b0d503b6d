/// The HTTP request that opened a WebSocket, as the connect hook sees it: its header fields, its
/// cookies and the address of the client.
///
/// Adapters fill it in from their frameworks' requests; `onConnect` reads it next to the
/// `connection_init` payload, so a connection can be authenticated by a cookie or an
/// `Authorization` header as well as by its init payload.
public struct UpgradeRequest: Sendable, Hashable {
    /// The request's header fields in order, names in lower case.
    public var headerFields: [HeaderField]
    /// The address of the peer of the TCP connection (`127.0.0.1`, `::1`), if the transport knows it.
    public var remoteAddress: String?
    /// Whether the request came through one reverse proxy the server trusts
    /// (``OriginPolicy/trustsForwardedHost``): ``clientAddress`` then reads the address that proxy
    /// added to `Forwarded` or `X-Forwarded-For`.
    public var trustsProxy: Bool

    /// One header field.
    public struct HeaderField: Sendable, Hashable {
        /// The field name, in lower case.
        public var name: String
        /// The field value.
        public var value: String

        /// Creates a field; the name is stored in lower case.
        public init(name: String, value: String) {
            self.name = name.lowercased()
            self.value = value
        }
    }

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - headerFields: The header fields in order.
    ///   - remoteAddress: The address of the TCP peer.
    ///   - trustsProxy: Whether forwarding headers may name the client.
    public init(headerFields: [HeaderField] = [], remoteAddress: String? = nil, trustsProxy: Bool = false) {
        self.headerFields = headerFields
        self.remoteAddress = remoteAddress
        self.trustsProxy = trustsProxy
    }

    /// The values of every field named `name` (in any case), in order.
    public func headers(_ name: String) -> [String] {
        let name = name.lowercased()
        return headerFields.filter { $0.name == name }.map(\.value)
    }

    /// The first value of the field named `name`, if any.
    public func header(_ name: String) -> String? {
        headers(name).first
    }

    /// The cookies of every `Cookie` field, by name (the first of a repeated name wins).
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for field in headers("cookie") {
            for pair in field.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = String(pair[..<equals].trimmingWhitespace())
                guard !name.isEmpty, cookies[name] == nil else { continue }
                cookies[name] = String(pair[pair.index(after: equals)...].trimmingWhitespace())
            }
        }
        return cookies
    }

    /// The token of an `Authorization: Bearer <token>` field, if there is one.
    public var bearerToken: String? {
        for field in headers("authorization") {
            let parts = field.trimmingWhitespace().split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1].trimmingWhitespace()) }
        }
        return nil
    }

    /// The client's address: behind a trusted proxy, the address that proxy saw, which it appended
    /// last to `Forwarded` (`for=`) or `X-Forwarded-For`; otherwise, and when those are missing,
    /// the TCP peer's. Earlier entries are ignored, as are forwarding headers from anyone but a
    /// trusted proxy: clients can write them.
    public var clientAddress: String? {
        guard trustsProxy else { return remoteAddress }
        if let forwarded = headers("forwarded").last?.split(separator: ",").last {
            for element in forwarded.split(separator: ";") {
                let pair = element.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingWhitespace().lowercased() == "for" else { continue }
                var value = String(pair[1].trimmingWhitespace())
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value
            }
        }
        if let last = headers("x-forwarded-for").last?.split(separator: ",").last {
            return String(last.trimmingWhitespace())
        }
        return remoteAddress
    }
}
