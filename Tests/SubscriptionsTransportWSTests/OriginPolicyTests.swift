import SubscriptionsTransportWS
import Testing

/// The `Origin` rule of D16, decided from header values alone.
@Suite("Origin policy (D16)")
struct OriginPolicyTests {
    private func allows(_ headers: [(String, String)]) -> Bool {
        allows(.sameHost, headers)
    }

    private func allows(_ policy: OriginPolicy, _ headers: [(String, String)]) -> Bool {
        policy.allows { name in headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    }

    @Test func noOriginIsAllowed() {
        #expect(allows([("Host", "example.com")]))
        #expect(allows([]))
    }

    @Test func webSocketSchemesAreNotBrowserPagesAndAreAllowed() {
        // hummingbird-websocket's client sends its URL's scheme and host, without the port.
        #expect(allows([("Origin", "ws://127.0.0.1"), ("Host", "127.0.0.1:8080")]))
        #expect(allows([("Origin", "wss://elsewhere.example"), ("Host", "example.com")]))
    }

    @Test func theRequestsOwnHostAndPortAreAllowed() {
        #expect(allows([("Origin", "http://example.com:8080"), ("Host", "example.com:8080")]))
        #expect(allows([("Origin", "HTTP://Example.COM:8080"), ("Host", "example.com:8080")]))
        // Default ports, written or not, on either side.
        #expect(allows([("Origin", "http://example.com"), ("Host", "example.com")]))
        #expect(allows([("Origin", "http://example.com:80"), ("Host", "example.com")]))
        #expect(allows([("Origin", "https://example.com"), ("Host", "example.com:443")]))
        #expect(allows([("Origin", "http://[::1]:8080"), ("Host", "[::1]:8080")]))
    }

    @Test func otherHostsPortsAndSchemesAreRefused() {
        #expect(!allows([("Origin", "http://attacker.example"), ("Host", "example.com")]))
        #expect(!allows([("Origin", "http://example.com:8080"), ("Host", "example.com")]))
        #expect(!allows([("Origin", "http://example.com"), ("Host", "example.com:8080")]))
        #expect(!allows([("Origin", "https://example.com"), ("Host", "example.com:80")]))
        #expect(!allows([("Origin", "http://example.com.attacker.example"), ("Host", "example.com")]))
        #expect(!allows([("Origin", "null"), ("Host", "example.com")]))
        #expect(!allows([("Origin", "http://example.com")]))
        // Two Origin headers are not a browser's.
        #expect(!allows([("Origin", "http://example.com"), ("Origin", "http://example.com"), ("Host", "example.com")]))
    }

    @Test func listedOriginsAreAllowed() {
        let policy = OriginPolicy(allowedOrigins: ["https://App.example.com", "null"])
        #expect(allows(policy, [("Origin", "https://app.example.com"), ("Host", "api.example.com")]))
        #expect(allows(policy, [("Origin", "https://app.example.com:443"), ("Host", "api.example.com")]))
        #expect(allows(policy, [("Origin", "null"), ("Host", "api.example.com")]))
        #expect(!allows(policy, [("Origin", "http://app.example.com"), ("Host", "api.example.com")]))
        #expect(allows(.anyOrigin, [("Origin", "https://anything.example"), ("Host", "api.example.com")]))
    }

    @Test func forwardedHostCountsOnlyWhenTrusted() {
        let behindProxy: [(String, String)] = [
            ("Origin", "https://public.example.com"), ("Host", "127.0.0.1:8080"), ("X-Forwarded-Host", "public.example.com, inner"),
        ]
        #expect(!allows(behindProxy))
        let trusting = OriginPolicy(trustsForwardedHost: true)
        #expect(allows(trusting, behindProxy))
        let forwarded: [(String, String)] = [
            ("Origin", "https://public.example.com"), ("Host", "127.0.0.1:8080"),
            ("Forwarded", "for=192.0.2.60;proto=https;host=\"public.example.com\", for=10.0.0.1"),
        ]
        #expect(!allows(forwarded))
        #expect(allows(trusting, forwarded))
    }
}
