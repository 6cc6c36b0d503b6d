import HTTPTypes
import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// The connect hook sees the upgrade request's headers, cookies and client address next to the
/// init payload, through every adapter, and can refuse a connection by them.
@Suite("The connect hook sees the upgrade request")
struct UpgradeRequestOverSocketTests {
    @Test(arguments: Adapter.allCases) func headersCookiesAndAddressReachTheConnectHook(adapter: Adapter) async throws {
        let seen = Recorder<UpgradeRequest>()
        let hooks = ServerHooks<JSONObject>(onConnect: { payload, request in
            seen.record(request)
            return .accept(payload)
        })
        var fields = graphQLTransportWSOffer
        fields[.authorization] = "Bearer secret-token"
        fields[.cookie] = "session=abc; theme=dark"
        fields[try #require(HTTPField.Name("X-Request-Id"))] = "r-1"
        let headers = fields
        try await adapter.withTestServer(hooks: hooks) { url in
            _ = try await connect(to: url, headers: headers) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
            }
        }
        let request = try #require(seen.values.first)
        #expect(request.bearerToken == "secret-token")
        #expect(request.cookies == ["session": "abc", "theme": "dark"])
        #expect(request.header("x-request-id") == "r-1")
        #expect(request.clientAddress == "127.0.0.1")
    }

    @Test(arguments: Adapter.allCases) func aConnectionIsRefusedByItsAuthorizationHeader(adapter: Adapter) async throws {
        let hooks = ServerHooks<JSONObject>(onConnect: { payload, request in
            request.bearerToken == "good" ? .accept(payload) : .reject(message: "Forbidden")
        })
        try await adapter.withTestServer(hooks: hooks) { url in
            var goodFields = graphQLTransportWSOffer
            goodFields[.authorization] = "Bearer good"
            let good = goodFields
            _ = try await connect(to: url, headers: good) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == ["type": "connection_ack"])
            }
            var badFields = graphQLTransportWSOffer
            badFields[.authorization] = "Bearer bad"
            let bad = badFields
            let close = try await connect(to: url, headers: bad) { socket in
                let acknowledgement = try await socket.initialize()
                #expect(acknowledgement == nil)
            }
            #expect(close?.closeCode == .unknown(4403))
        }
    }
}
