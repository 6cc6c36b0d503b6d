import Foundation
import SubscriptionsTransportWS
import Testing

/// What an upgrade must pass before any protocol frame (D16 and the connection limit), over a real
/// socket against each adapter.
@Suite("Upgrade policy: Origin check and connection limit")
struct UpgradePolicyTests {
    // The refusal itself is checked on every adapter; its status is the server's except through
    // hummingbird-websocket's router, which answers every refused upgrade with 400.
    private static let offer = ["graphql-transport-ws"]

    @Test(arguments: Adapter.allCases) func d16ForeignOriginIsRefusedWithForbidden(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            for origin in ["http://attacker.example", "http://127.0.0.1:1", "https://127.0.0.1", "null"] {
                let response = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", origin)])
                #expect(response?.status == adapter.refusalStatus(403), "Origin \(origin)")
            }
        }
    }

    @Test(arguments: Adapter.allCases) func d16OwnOriginAndNoOriginAreAccepted(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            // A page served by this server (the playground), whatever the case of the host.
            let own = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", "http://127.0.0.1:\(url.port!)")])
            #expect(own?.status == 101)
            let upper = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", "HTTP://127.0.0.1:\(url.port!)")])
            #expect(upper?.status == 101)
            // Command-line and server-side clients send no Origin.
            let none = try await upgradeResponse(url: url, offers: Self.offer)
            #expect(none?.status == 101)
            // hummingbird-websocket's client sends `Origin: ws://127.0.0.1`, without the port: a
            // WebSocket URL is no page's origin, so it is let through like no Origin at all.
            _ = try await connect(to: url, headers: subprotocolOffers("graphql-transport-ws")) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func d16AllowListAndAnyOrigin(adapter: Adapter) async throws {
        let listed = UpgradePolicy(origins: OriginPolicy(allowedOrigins: ["https://app.example.com"]))
        try await adapter.withTestServer(upgrade: listed) { url in
            let app = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", "https://app.example.com")])
            #expect(app?.status == 101)
            let other = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", "https://evil.example.com")])
            #expect(other?.status == adapter.refusalStatus(403))
        }
        try await adapter.withTestServer(upgrade: UpgradePolicy(origins: .anyOrigin)) { url in
            let any = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: [("Origin", "https://evil.example.com")])
            #expect(any?.status == 101)
        }
    }

    @Test(arguments: Adapter.allCases) func d16ForwardedHostCountsOnlyWhenTrusted(adapter: Adapter) async throws {
        let proxied = [("Origin", "https://public.example.com"), ("X-Forwarded-Host", "public.example.com")]
        try await adapter.withTestServer { url in
            let refused = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: proxied)
            #expect(refused?.status == adapter.refusalStatus(403))
        }
        let trusting = UpgradePolicy(origins: OriginPolicy(trustsForwardedHost: true))
        try await adapter.withTestServer(upgrade: trusting) { url in
            let accepted = try await upgradeResponse(url: url, offers: Self.offer, extraHeaders: proxied)
            #expect(accepted?.status == 101)
        }
    }

    @Test(arguments: Adapter.allCases) func connectionsPastTheLimitAreRefusedWithServiceUnavailable(adapter: Adapter) async throws {
        try await adapter.withTestServer(upgrade: UpgradePolicy(maxConnections: 2)) { url in
            let headers = subprotocolOffers("graphql-transport-ws")
            _ = try await connect(to: url, headers: headers) { first in
                let firstAcknowledgement = try await first.initialize()
                #expect(firstAcknowledgement == ["type": "connection_ack"])
                _ = try await connect(to: url, headers: headers) { second in
                    let secondAcknowledgement = try await second.initialize()
                    #expect(secondAcknowledgement == ["type": "connection_ack"])
                    let third = try await upgradeResponse(url: url, offers: Self.offer)
                    #expect(third?.status == adapter.refusalStatus(503))
                }
            }
            // Once the two have closed, their places are free again. The server lets a connection
            // go only after its close handshake and hooks, so give it a few tries.
            var status: Int?
            for _ in 0..<200 {
                status = try await upgradeResponse(url: url, offers: Self.offer)?.status
                if status == 101 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == 101)
        }
    }
}
