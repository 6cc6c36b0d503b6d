import HTTPTypes
import HummingbirdWSClient
import SubscriptionsTransportWS
import Testing

/// The per-connection limits that the other suites do not reach over a real socket: the wait for
/// `connection_init` and the live operations of one connection, on both protocols and every adapter.
@Suite("Limits over a real socket")
struct LimitsOverSocketTests {
    static let offers: [(name: String, headers: HTTPFields)] = [
        ("graphql-transport-ws", graphQLTransportWSOffer), ("graphql-ws", graphQLWSOffer),
    ]

    @Test(arguments: Adapter.allCases, [0, 1])
    func aClientThatNeverInitialisesIsClosed4408(adapter: Adapter, offer: Int) async throws {
        let wait = Duration.milliseconds(300)
        try await adapter.withTestServer(
            graphQLWS: .forTests { $0.connectionInitWaitTimeout = wait },
            graphQLTransportWS: .forTests { $0.connectionInitWaitTimeout = wait }
        ) { url in
            let started = ContinuousClock.now
            let close = try await connect(to: url, headers: Self.offers[offer].headers) { socket in
                let message = try await socket.next()
                #expect(message == nil)
            }
            #expect(ContinuousClock.now - started >= wait, "\(Self.offers[offer].name)")
            #expect(close?.code == 4408, "\(Self.offers[offer].name)")
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
