import SubscriptionsConcurrency
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient
import SubscriptionsTransportWSTesting
import Testing

/// The client against this package's server, over real sockets on 127.0.0.1.
@Suite("Client against this package's server")
struct ClientOverSocketTests {
    static let protocols: [GraphQLWebSocketClient.ProtocolChoice] = [.graphQLWS, .graphQLTransportWS]
    /// A minute for `connection_ack` rather than the default 10 s: a handshake on a loaded machine or
    /// under a sanitizer must not time out.
    static let ackTimeout: Duration = .seconds(60)

    private func client(
        _ url: String,
        _ choice: GraphQLWebSocketClient.ProtocolChoice,
        initPayload: JSONObject? = nil
    )
        -> GraphQLWebSocketClient
    {
        GraphQLWebSocketClient(
            url: url,
            configuration: .init(protocolChoice: choice, initPayload: initPayload, connectionAckTimeout: Self.ackTimeout)
        )
    }

    @Test("A query returns its result", arguments: protocols)
    func query(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        try await withTestServer { url in
            try await client(url, choice).withConnection { connection in
                #expect(connection.subprotocol == choice.offers[0])
                let result = try await connection.query(OperationRequest(query: #"{ hello(name: "x") }"#))
                #expect(result.data == ["hello": "Hello x"])
                #expect(result.errors.isEmpty)
                let sum = try await connection.query(
                    OperationRequest(query: "query Add($a: Int!) { add(a: $a, b: 2) }", variables: ["a": 40])
                )
                #expect(sum.data == ["add": 42])
                let echo = try await connection.query(OperationRequest(query: #"mutation { echo(text: "hi") }"#))
                #expect(echo.data == ["echo": "hi"])
            }
        }
    }

    @Test("Automatic choice speaks what the server prefers among both offers")
    func negotiation() async throws {
        try await withTestServer { url in
            let chosen = try await client(url, .automatic).withConnection { $0.subprotocol }
            #expect(chosen == .graphQLTransportWS)
        }
        try await withTestServer(subprotocols: [.graphQLWS]) { url in
            let chosen = try await client(url, .automatic).withConnection { $0.subprotocol }
            #expect(chosen == .graphQLWS)
        }
    }

    @Test("A subscription yields each event, then ends", arguments: protocols)
    func subscription(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        try await withTestServer { url in
            try await client(url, choice).withConnection { connection in
                var values: [JSONValue?] = []
                for try await result in connection.subscribe(OperationRequest(query: "subscription { counter(n: 3) }")) {
                    values.append(result.data?.objectValue?["counter"])
                }
                #expect(values == [0, 1, 2])
            }
        }
    }

    @Test("Leaving the loop early stops the operation on the server; the connection goes on", arguments: protocols)
    func stopByBreak(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        let completed = Recorder<String>()
        let hooks = ServerHooks<JSONObject>(onOperationComplete: { completed.record($0.key) })
        try await withTestServer(hooks: hooks) { url in
            try await client(url, choice).withConnection { connection in
                var values: [JSONValue?] = []
                let endless = OperationRequest(query: "subscription { counter(n: 100000, delayMs: 20) }")
                for try await result in connection.subscribe(endless) {
                    values.append(result.data?.objectValue?["counter"])
                    if values.count == 2 { break }
                }
                #expect(values == [0, 1])
                #expect(await completed.waitForCount(1) == ["1"])
                let hello = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(hello.data == ["hello": "Hello world"])
            }
        }
    }

    @Test("A consumer that cannot keep up gets what waited, then ConsumerTooSlowError; the operation stops", arguments: protocols)
    func slowConsumer(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        let completed = Recorder<String>()
        let hooks = ServerHooks<JSONObject>(onOperationComplete: { completed.record($0.key) })
        try await withTestServer(hooks: hooks) { url in
            let configuration = GraphQLWebSocketClient.Configuration(
                protocolChoice: choice,
                connectionAckTimeout: Self.ackTimeout,
                maxBufferedResults: 10
            )
            try await GraphQLWebSocketClient(url: url, configuration: configuration).withConnection { connection in
                var values: [Int] = []
                let endless = OperationRequest(query: "subscription { counter(n: 1000000000, delayMs: 1) }")
                // Reading one result per 100 ms from a counter that sends one per millisecond: the
                // buffer of ten overflows within about a second.
                await #expect(throws: ConsumerTooSlowError(maxBufferedResults: 10)) {
                    for try await result in connection.subscribe(endless) {
                        guard case .integer(let value)? = result.data?.objectValue?["counter"] else {
                            Issue.record("Not a counter value: \(result)")
                            return
                        }
                        values.append(value)
                        try #require(values.count < 1_000)
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                // Every result before the error, in order, none skipped.
                #expect(values == Array(0..<values.count))
                #expect(await completed.waitForCount(1) == ["1"])
                let hello = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(hello.data == ["hello": "Hello world"])
            }
        }
    }

    @Test("With a queue of two messages the client pauses reading and still gets every result in order", arguments: protocols)
    func smallInboundQueue(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        try await withTestServer { url in
            let configuration = GraphQLWebSocketClient.Configuration(
                protocolChoice: choice,
                connectionAckTimeout: Self.ackTimeout,
                maxQueuedMessages: 2
            )
            try await GraphQLWebSocketClient(url: url, configuration: configuration).withConnection { connection in
                var values: [Int] = []
                for try await result in connection.subscribe(OperationRequest(query: "subscription { counter(n: 5000) }")) {
                    guard case .integer(let value)? = result.data?.objectValue?["counter"] else {
                        Issue.record("Not a counter value: \(result)")
                        return
                    }
                    values.append(value)
                }
                #expect(values == Array(0..<5000))
                let hello = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(hello.data == ["hello": "Hello world"])
            }
        }
    }

    @Test("Cancelling the consuming task stops the operation on the server", arguments: protocols)
    func stopByCancellation(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        let completed = Recorder<String>()
        let hooks = ServerHooks<JSONObject>(onOperationComplete: { completed.record($0.key) })
        try await withTestServer(hooks: hooks) { url in
            try await client(url, choice).withConnection { connection in
                let received = Recorder<Int>()
                await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let endless = OperationRequest(query: "subscription { counter(n: 100000, delayMs: 20) }")
                        for try await _ in connection.subscribe(endless) { received.record(1) }
                    }
                    await received.waitForCount(1)
                    group.cancelAll()
                    try? await group.waitForAll()
                }
                #expect(await completed.waitForCount(1) == ["1"])
                let sum = try await connection.query(OperationRequest(query: "{ add(a: 1, b: 1) }"))
                #expect(sum.data == ["add": 2])
            }
        }
    }

    @Test("Operations run concurrently on one connection", arguments: protocols)
    func concurrentOperations(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        try await withTestServer { url in
            try await client(url, choice).withConnection { connection in
                try await withThrowingTaskGroup(of: [JSONValue?].self) { group in
                    for n in [2, 4] {
                        group.addTask {
                            var values: [JSONValue?] = []
                            let request = OperationRequest(query: "subscription { counter(n: \(n), delayMs: 5) }")
                            for try await result in connection.subscribe(request) {
                                values.append(result.data?.objectValue?["counter"])
                            }
                            return values
                        }
                    }
                    var lengths: [Int] = []
                    for try await values in group { lengths.append(values.count) }
                    #expect(lengths.sorted() == [2, 4])
                }
            }
        }
    }

    @Test("Validation errors: a result with errors on graphql-ws, a thrown error on graphql-transport-ws")
    func validationErrors() async throws {
        try await withTestServer { url in
            try await client(url, .graphQLWS).withConnection { connection in
                let result = try await connection.query(OperationRequest(query: "{ nope }"))
                #expect(result.data == nil)
                #expect(result.errors.count == 1)
                #expect(result.errors.first?.message.contains("nope") == true)
            }
            try await client(url, .graphQLTransportWS).withConnection { connection in
                let error = await #expect(throws: GraphQLOperationError.self) {
                    try await connection.query(OperationRequest(query: "{ nope }"))
                }
                #expect(error?.errors.first?.message.contains("nope") == true)
                let hello = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(hello.data == ["hello": "Hello world"])
            }
        }
    }

    @Test("A syntax error is thrown", arguments: protocols)
    func syntaxError(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        try await withTestServer { url in
            try await client(url, choice).withConnection { connection in
                let error = await #expect(throws: GraphQLOperationError.self) {
                    for try await _ in connection.subscribe(OperationRequest(query: "{")) {}
                }
                #expect(error?.errors.first?.message.contains("Syntax Error") == true)
            }
        }
    }

    @Test("Forcing a protocol the server does not serve is refused")
    func forcedProtocolMismatch() async throws {
        try await withTestServer(subprotocols: [.graphQLWS]) { url in
            let error = await #expect(throws: GraphQLWebSocketClientError.self) {
                try await client(url, .graphQLTransportWS).withConnection { _ in }
            }
            #expect(error == .upgradeRefused(status: 400, reasonPhrase: "Bad Request"))
        }
    }

    @Test("The init payload reaches the server's connect hook, and the ack payload the client", arguments: protocols)
    func initPayload(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        let payloads = Recorder<JSONObject>()
        let hooks = ServerHooks<JSONObject>(onConnect: { payload in
            payloads.record(payload)
            guard payload["token"] == "secret" else { return .reject(message: "Bad token") }
            return .accept(payload, acknowledgementPayload: ["welcome": true])
        })
        try await withTestServer(hooks: hooks) { url in
            let ack = try await client(url, choice, initPayload: ["token": "secret"]).withConnection { connection in
                _ = try await connection.query(OperationRequest(query: "{ hello }"))
                return connection.acknowledgementPayload
            }
            #expect(ack == ["welcome": true])
            #expect(payloads.values.first == ["token": "secret"])

            let error = await #expect(throws: GraphQLWebSocketClientError.self) {
                try await client(url, choice, initPayload: ["token": "wrong"]).withConnection { _ in }
            }
            if choice == .graphQLWS {
                #expect(error == .connectionRejected(payload: ["message": "Bad token"]))
            } else {
                #expect(error == .closed(ConnectionClose(code: 4403, reason: "Forbidden")))
            }
        }
    }

    @Test("A refused TCP connection is a connection failure")
    func connectionRefused() async throws {
        let port = try await closedPort()
        let error = await #expect(throws: GraphQLWebSocketClientError.self) {
            try await GraphQLWebSocketClient(url: "ws://127.0.0.1:\(port)/graphql").withConnection { _ in }
        }
        guard case .connectionFailed? = error else {
            Issue.record("Expected a connection failure, got \(String(describing: error))")
            return
        }
    }

    @Test("Reconnects after a retryable close, and gives up on a fatal one")
    func reconnect() async throws {
        let attempts = Lock(0)
        let hooks = ServerHooks<JSONObject>(onConnect: { payload in
            let attempt = attempts.withLock { attempts in
                attempts += 1
                return attempts
            }
            return attempt < 3 ? .reject() : .accept(payload)
        })
        try await withTestServer(hooks: hooks) { url in
            let configuration = GraphQLWebSocketClient.Configuration(
                protocolChoice: .graphQLTransportWS,
                connectionAckTimeout: Self.ackTimeout,
                reconnect: .enabled(maxAttempts: 3, initialDelay: .milliseconds(20))
            )
            let result = try await GraphQLWebSocketClient(url: url, configuration: configuration).withConnection {
                try await $0.query(OperationRequest(query: "{ hello }"))
            }
            #expect(result.data == ["hello": "Hello world"])
            #expect(attempts.withLock { $0 } == 3)

            // connection_error on graphql-ws is a rejection, which is never retried.
            attempts.withLock { $0 = 0 }
            var fatal = configuration
            fatal.protocolChoice = .graphQLWS
            await #expect(throws: GraphQLWebSocketClientError.self) {
                try await GraphQLWebSocketClient(url: url, configuration: fatal).withConnection { _ in }
            }
            #expect(attempts.withLock { $0 } == 1)
        }
    }

    @Test("Closing the client ends the connection normally and fails operations still live", arguments: protocols)
    func closing(choice: GraphQLWebSocketClient.ProtocolChoice) async throws {
        let closures = Recorder<ServerHooks<JSONObject>.Closure>()
        let hooks = ServerHooks<JSONObject>(onClose: { closures.record($0) })
        try await withTestServer(hooks: hooks) { url in
            let subscription = try await client(url, choice).withConnection { connection in
                connection.subscribe(OperationRequest(query: "subscription { counter(n: 1) }"))
            }
            // The Hummingbird adapter does not report the client's close code; ScriptedServerTests
            // checks the close frame itself.
            #expect(await closures.waitForCount(1).count == 1)
            await #expect(throws: GraphQLWebSocketClientError.clientClosed) {
                for try await _ in subscription {}
            }
        }
    }
}
