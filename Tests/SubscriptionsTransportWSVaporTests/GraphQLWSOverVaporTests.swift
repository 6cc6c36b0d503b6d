import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS
import Testing

/// The `graphql-ws` conversation over a real Vapor socket on 127.0.0.1.
@Suite("graphql-ws over Vapor")
struct GraphQLWSOverVaporTests {
    @Test func initIsAcknowledgedThenKeptAlive() async throws {
        try await withTestServer { port in
            let close = try await connect(port: port) { socket in
                try await socket.send(["type": "connection_init", "payload": [:]])
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "connection_ack"])
                #expect(try await socket.nextIncludingKeepAlive() == ["type": "ka"])
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test func queryAnswersDataThenComplete() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
                #expect(try await socket.next() == ["type": "complete", "id": "1"])
            }
        }
    }

    @Test func numericIdIsEchoedAsSent() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(#"{"type":"start","id":7,"payload":{"query":"{ add(a: 2, b: 3) }"}}"#)
                #expect(try await socket.next() == ["type": "data", "id": 7, "payload": ["data": ["add": 5]]])
                #expect(try await socket.next() == ["type": "complete", "id": 7])
            }
        }
    }

    @Test func subscriptionStreamsEveryValueThenCompletes() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
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

    @Test func stopOfLongSubscriptionSendsExactlyOneComplete() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
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

    @Test func connectionTerminateClosesNormally() async throws {
        try await withTestServer { port in
            let close = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "connection_terminate"])
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 1000)
        }
    }

    @Test func frameThatIsNotJSONGetsConnectionErrorAndConnectionStaysOpen() async throws {
        try await withTestServer { port in
            let close = try await connect(port: port) { socket in
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

    @Test func startBeforeInitClosesUnauthorized() async throws {
        try await withTestServer { port in
            let close = try await connect(port: port) { socket in
                try await socket.send(["type": "start", "id": "1", "payload": ["query": "{ hello }"]])
                #expect(try await socket.next() == nil)
            }
            #expect(close?.code == 4401)
        }
    }

    @Test func validationErrorIsDataWithErrorsThenComplete() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
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

    @Test func binaryFrameIsReadAsText() async throws {
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
                let initMessage: JSONValue = ["type": "connection_init", "payload": [:]]
                try await socket.outbound.write(.binary(ByteBuffer(bytes: initMessage.encoded)))
                #expect(try await socket.next() == ["type": "connection_ack"])
            }
        }
    }

    @Test func longDocumentBeyondVaporsDefaultFrameSizeIsAccepted() async throws {
        // 100 KiB, far over Vapor's default 16 KiB frame limit and within the 1 MiB message limit.
        let padding = String(repeating: " ", count: 100 * 1024)
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                try await socket.send(["type": "start", "id": "1", "payload": ["query": .string("{\(padding)hello }")]])
                #expect(try await socket.next() == ["type": "data", "id": "1", "payload": ["data": ["hello": "Hello world"]]])
            }
        }
    }

    @Test func messagesAreHandledInArrivalOrder() async throws {
        // Each message of an unknown type is answered at once with an `error` naming its id, so the
        // answers' order is the order in which the connection received the messages.
        let count = 100
        try await withTestServer { port in
            _ = try await connect(port: port) { socket in
                try await socket.send(["type": "connection_init", "payload": [:]])
                for id in 0..<count {
                    try await socket.send(["type": "no such type", "id": .string("\(id)")])
                }
                #expect(try await socket.next() == ["type": "connection_ack"])
                var ids: [JSONValue] = []
                for _ in 0..<count {
                    let answer = try await socket.next()
                    #expect(answer?.objectValue?["type"] == "error")
                    ids.append(answer?.objectValue?["id"] ?? .null)
                }
                #expect(ids == (0..<count).map { .string("\($0)") })
            }
        }
    }
}
