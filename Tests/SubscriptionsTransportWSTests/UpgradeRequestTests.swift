import SubscriptionsTransportWS
import Testing

@Suite("The upgrade request the connect hook sees")
struct UpgradeRequestTests {
    private let fields: [UpgradeRequest.HeaderField] = [
        .init(name: "Cookie", value: "session=abc; theme = dark"),
        .init(name: "cookie", value: "session=ignored; lang=en"),
        .init(name: "Authorization", value: "Bearer  token-1 "),
        .init(name: "X-Forwarded-For", value: "203.0.113.7, 10.0.0.1"),
    ]

    @Test func headersAreFoundInAnyCaseInOrder() {
        let request = UpgradeRequest(headerFields: fields)
        #expect(request.headers("COOKIE") == ["session=abc; theme = dark", "session=ignored; lang=en"])
        #expect(request.header("x-forwarded-for") == "203.0.113.7, 10.0.0.1")
        #expect(request.header("origin") == nil)
    }

    @Test func cookiesOfEveryCookieFieldTheFirstOfANameWins() {
        #expect(UpgradeRequest(headerFields: fields).cookies == ["session": "abc", "theme": "dark", "lang": "en"])
    }

    @Test func bearerTokenIsTheAuthorizationCredential() {
        #expect(UpgradeRequest(headerFields: fields).bearerToken == "token-1")
        #expect(UpgradeRequest(headerFields: [.init(name: "Authorization", value: "Basic dXNlcg==")]).bearerToken == nil)
    }

    @Test func forwardingHeadersNameTheClientOnlyBehindATrustedProxy() {
        var request = UpgradeRequest(headerFields: fields, remoteAddress: "127.0.0.1")
        #expect(request.clientAddress == "127.0.0.1")
        request.trustsProxy = true
        // The trusted proxy appended the address it saw last; earlier entries are the client's own.
        #expect(request.clientAddress == "10.0.0.1")
        request.headerFields.append(.init(name: "Forwarded", value: #"for=192.0.2.60, for="[2001:db8::1]";proto=https"#))
        #expect(request.clientAddress == "[2001:db8::1]")
        request.headerFields = []
        #expect(request.clientAddress == "127.0.0.1")
    }

    @Test func theServerSetsTrustFromItsOriginPolicy() {
        let trusting = GraphQLWebSocketServer(
            executor: ClosureExecutor(),
            upgrade: UpgradePolicy(origins: OriginPolicy(trustsForwardedHost: true))
        )
        #expect(trusting.makeConnection(speaking: .graphQLTransportWS, request: UpgradeRequest(headerFields: fields)).request.trustsProxy)
        let plain = GraphQLWebSocketServer(executor: ClosureExecutor())
        #expect(!plain.makeConnection(speaking: .graphQLTransportWS, request: UpgradeRequest(headerFields: fields)).request.trustsProxy)
    }
}

/// An executor for tests that run nothing.
private struct ClosureExecutor: GraphQLExecutor {
    func execute(_ request: OperationRequest, context: JSONObject) async throws -> ExecutionOutcome {
        .rejected([GraphQLFormattedError(message: "none")])
    }
}

@Suite("The operation type a request runs")
struct OperationTypeTests {
    @Test(
        arguments: [
            ("{ hello }", nil, GraphQLOperationType.query),
            ("query { hello }", nil, .query),
            ("subscription Ticks($n: Int = 3) { counter(n: $n) }", nil, .subscription),
            ("# mutation\nmutation Post { post(text: \"} query {\") }", nil, .mutation),
            ("query A { a } subscription B { b }", "B", .subscription),
            ("fragment F on Query { a } mutation M { ...F }", nil, .mutation),
            ("query A { a } subscription B { b }", nil, nil),
            ("query A { a }", "Missing", nil),
            ("{ unbalanced } }", nil, nil),
        ] as [(String, String?, GraphQLOperationType?)]
    )
    func operationTypeIsReadFromTheDocument(query: String, name: String?, type: GraphQLOperationType?) {
        #expect(OperationRequest(query: query, operationName: name).operationType == type)
    }
}
