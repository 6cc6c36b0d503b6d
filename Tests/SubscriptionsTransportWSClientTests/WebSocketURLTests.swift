import Testing

@testable import SubscriptionsTransportWSClient

@Suite("WebSocket URLs")
struct WebSocketURLTests {
    @Test("Parts of valid URLs")
    func valid() throws {
        let plain = try #require(WebSocketURL("ws://127.0.0.1:8080/graphql?x=1#frag"))
        #expect(!plain.isSecure && plain.host == "127.0.0.1" && plain.port == 8080)
        #expect(plain.requestTarget == "/graphql?x=1" && plain.hostHeader == "127.0.0.1:8080")

        let secure = try #require(WebSocketURL("wss://example.com"))
        #expect(secure.isSecure && secure.port == 443 && secure.requestTarget == "/" && secure.hostHeader == "example.com")

        let http = try #require(WebSocketURL("HTTP://example.com?q"))
        #expect(!http.isSecure && http.port == 80 && http.requestTarget == "/?q")

        let ipv6 = try #require(WebSocketURL("ws://[::1]:9000/x"))
        #expect(ipv6.host == "::1" && ipv6.port == 9000 && ipv6.hostHeader == "[::1]:9000")
    }

    @Test("Invalid URLs", arguments: ["127.0.0.1:80", "ftp://x/", "ws://", "ws://:80/", "ws://h:0/", "ws://h:99999", "ws://h:x/", "ws://u@h/"])
    func invalid(url: String) {
        #expect(WebSocketURL(url) == nil)
    }
}
