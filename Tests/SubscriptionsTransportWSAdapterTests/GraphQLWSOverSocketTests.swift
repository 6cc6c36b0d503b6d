import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

/// The `graphql-ws` conversation over a real socket on 127.0.0.1, against each adapter.
@Suite("graphql-ws over a real socket")
struct GraphQLWSOverSocketTests {
    @Test(arguments: Adapter.allCases) func initIsAcknowledgedThenKeptAlive(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let close = try await connect(to: url) { socket in
                try await socket.send(["type": "connection_init", "payload": [:]])
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "connection_ack"])
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "ka"])
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test(arguments: Adapter.allCases) func queryAnswersDataThenComplete(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func numericIdIsEchoedAsSent(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(#"{"type":"start","id":7,"payload":{"query":"{ add(a: 2, b: 3) }"}}"#)
                #expect(try await socket.next() == ["type": "data", "id": 7, "payload": ["data": ["add": 5]]])
                #expect(try await socket.next() == ["type": "complete", "id": 7])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func subscriptionStreamsEveryValueThenCompletes(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "subscription { counter(n: 3) }"]])
                for value in 0..<3 {
                    let expected: JSONValue = ["type": "data", "id": "1", "payload": ["data": ["counter": .integer(value)]]]
                    #expect(try await socket.next() == expected)
                }
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func stopOfLongSubscriptionSendsExactlyOneComplete(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send([
                    "type": "start", "id": "1",
                    "payload": ["query": "subscription { counter(n: 1000000, delayMs: 10) }"],
                ])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["counter": 0]]])
                try await socket.send(["type": "stop", "id": "1"])
                // Values already on their way may precede the complete; nothing of id 1 may follow it.
                let untilComplete = try await socket.messages(until: "complete", id: "1")
                #expect(untilComplete.last == ["type": "complete", "id": "1"])
                #expect(untilComplete.dropLast().allSatisfy { $0.objectValue?["type"] == "data" })

                try await socket.send(["type": "start", "id": "2", "payload": ["query": "{ hello }"]])
                let afterStop = try await socket.messages(until: "complete", id: "2")
                #expect(
                    afterStop == [
                        ["type": "data", "id": "2", "payload": ["data": ["hello": "Hello world"]]],
                        ["type": "complete", "id": "2"],
                    ]
                )
            }
        }
    }

    @Test(arguments: Adapter.allCases) func connectionTerminateClosesNormally(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let close = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "connection_terminate"])
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 1000)
        }
    }

    @Test(arguments: Adapter.allCases) func frameThatIsNotJSONGetsConnectionErrorAndConnectionStaysOpen(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let close = try await connect(to: url) { socket in
                try await socket.send("not json")
                let error = try await socket.next()
                #expect(error?.objectValue?["type"] == "connection_error")
                #expect(error?.objectValue?["payload"]?.objectValue?["message"]?.stringValue?.isEmpty == false)
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test(arguments: Adapter.allCases) func startBeforeInitClosesUnauthorized(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            let close = try await connect(to: url) { socket in
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 4401)
            // websocket-kit's `close(code:)` cannot send the reason.
            if adapter.sendsCloseReasons { #expect(close?.reason == "Unauthorized") }
        }
    }

    @Test(arguments: Adapter.allCases) func messagesPastTheLimitWhileConnectingClose4429(adapter: Adapter) async throws {
        // The connect hook never answers during the test: every start waits for it.
        let hooks = ServerHooks<JSONObject>(onConnect: { payload in
            try? await Task.sleep(for: .seconds(60))
            return .accept(payload)
        })
        var options = GraphQLWSServerOptions.forTests()
        options.maxMessagesWhileConnecting = 5
        try await adapter.withTestServer(graphQLWS: options, hooks: hooks) { url in
            let close = try await connect(to: url) { socket in
                try await socket.send(["type": "connection_init", "payload": [:]])
                for id in 1...6 {
                    try await socket.send(["type": "start", "id": .string("\(id)"), "payload": ["query": "{ hello }"]])
                }
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 4429)
            if adapter.sendsCloseReasons { #expect(close?.reason == "Too many messages before connection_ack") }
        }
    }

    @Test(arguments: Adapter.allCases) func validationErrorIsDataWithErrorsThenComplete(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ nope }"]])
                let data = try await socket.next()
                #expect(data?.objectValue?["type"] == "data")
                let errors = data?.objectValue?["payload"]?.objectValue?["errors"]
                guard case .array(let list)? = errors, let message = list.first?.objectValue?["message"]?.stringValue else {
                    Issue.record("No errors in \(String(describing: data))")
                    return
                }
                #expect(message.contains("Cannot query field"))
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func binaryFrameIsReadAsText(adapter: Adapter) async throws {
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                let initMessage: JSONValue = ["type": "connection_init", "payload": [:]]
                try await socket.outbound.write(.binary(ByteBuffer(bytes: initMessage.encoded)))
                #expect(try await socket.next() == ["type": "connection_ack"])
            }
        }
    }

    @Test(arguments: Adapter.allCases) func longDocumentBeyondTheFrameworksDefaultFrameSizeIsAccepted(adapter: Adapter) async throws {
        // 100 KiB, far over Hummingbird's and Vapor's default 16 KiB frame limit and within the 1 MiB
        // message limit.
        let padding = String(repeating: " ", count: 100 * 1024)
        try await adapter.withTestServer { url in
            _ = try await connect(to: url) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": .string("{\(padding)hello }")]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
            }
        }
    }
}
