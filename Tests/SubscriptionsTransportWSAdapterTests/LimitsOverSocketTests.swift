import HTTPTypes
import HummingbirdWSClient
import SubscriptionsTransportWS
import Testing

/// The per-connection limits that the other suites do not reach over a real socket: the wait for
/// `connection_init` and the live operations of one connection, on both protocols and every adapter.
@Suite("Limits over a real socket")
struct LimitsOverSocketTests {
    /// The client here reads by hand (``RawWebSocket``) and sees exactly what the server sent and
    /// when the stream ended. hummingbird-websocket's client, which the other tests use, hung in this
    /// test about once in ten ThreadSanitizer runs: it reported neither the close frame nor the end
    /// of the stream, though the server had ended the connection.
    @Test(arguments: Adapter.allCases, ["graphql-transport-ws", "graphql-ws"])
    func aClientThatNeverInitialisesIsClosed4408(adapter: Adapter, subprotocol: String) async throws {
        let wait = Duration.milliseconds(300)
        try await adapter.withTestServer(
            graphQLWS: .forTests { $0.connectionInitWaitTimeout = wait },
            graphQLTransportWS: .forTests { $0.connectionInitWaitTimeout = wait }
        ) { url in
            let started = ContinuousClock.now
            let socket = try await RawWebSocket.connect(to: url, subprotocol: subprotocol)
            // Nothing but the close comes: any text frame ends the read.
            let (textBytes, close) = try await socket.readFrames(upTo: 0)
            await socket.close()
            #expect(textBytes == 0, "\(subprotocol)")
            #expect(ContinuousClock.now - started >= wait, "\(subprotocol)")
            #expect(close?.code == 4408, "\(subprotocol)")
            if adapter.sendsCloseReasons { #expect(close?.reason == "Connection initialisation timeout") }
        }
    }

    /// One protocol's words for the live-operation test.
    struct Dialect: Sendable, CustomStringConvertible {
        let headers: HTTPFields
        let start: String
        let stop: String
        let result: String
        let refusal: JSONValue
        var description: String { start == "subscribe" ? "graphql-transport-ws" : "graphql-ws" }
    }

    static let dialects = [
        Dialect(
            headers: graphQLTransportWSOffer,
            start: "subscribe",
            stop: "complete",
            result: "next",
            refusal: ["type": "error", "id": "3", "payload": [["message": "Subscription limit reached"]]]
        ),
        Dialect(
            headers: graphQLWSOffer,
            start: "start",
            stop: "stop",
            result: "data",
            refusal: ["type": "error", "id": "3", "payload": ["message": "Subscription limit reached"]]
        ),
    ]

    @Test(arguments: Adapter.allCases, dialects)
    func operationsPastTheLimitGetAnErrorAndTheOthersGoOn(adapter: Adapter, dialect: Dialect) async throws {
        try await adapter.withTestServer(
            graphQLWS: .forTests { $0.maxLiveOperations = 2 },
            graphQLTransportWS: .forTests { $0.maxLiveOperations = 2 }
        ) { url in
            _ = try await connect(to: url, headers: dialect.headers) { socket in
                #expect(try await socket.initialize() == ["type": "connection_ack"])
                let endless: JSONValue = ["query": "subscription { counter(n: 1000000, delayMs: 20) }"]
                for id in ["1", "2", "3"] {
                    try await socket.send(["type": .string(dialect.start), "id": .string(id), "payload": endless])
                }
                // The third is refused at once; the first two stream.
                var firstValues: Set<String> = []
                var refusal: JSONValue?
                while firstValues.count < 2 || refusal == nil, let message = try await socket.next() {
                    if message.objectValue?["type"] == "error" {
                        refusal = message
                    } else {
                        #expect(message.objectValue?["type"] == .string(dialect.result))
                        firstValues.insert(message.objectValue?["id"]?.stringValue ?? "")
                    }
                }
                #expect(refusal == dialect.refusal)
                #expect(firstValues == ["1", "2"])
                // Stopping one makes room: a new operation runs to its end.
                try await socket.send(["type": .string(dialect.stop), "id": "1"])
                try await socket.send(["type": .string(dialect.start), "id": "4", "payload": ["query": "{ hello }"]])
                let untilDone = try await socket.messages(until: "complete", id: "4")
                #expect(untilDone.contains(["type": .string(dialect.result), "id": "4", "payload": ["data": ["hello": "Hello world"]]]))
                #expect(!untilDone.contains { $0.objectValue?["type"] == "error" })
            }
        }
    }
}
