import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSClient

@Suite("Close codes and errors")
struct ConnectionCloseTests {
    @Test(
        "Retryable close codes follow the graphql-ws library's client",
        arguments: [
            (UInt16?.none, true), (1000, true), (1001, true), (1005, true), (1006, true), (1012, true),
            (1013, true), (1014, true), (1002, false), (1003, false), (1011, false), (4400, false),
            (4401, false), (4004, false), (4005, false), (4406, false), (4409, false), (4429, false),
            (4500, false), (4403, true), (4408, true), (4499, true), (4504, true), (3000, true),
        ] as [(UInt16?, Bool)]
    )
    func retryable(code: UInt16?, retryable: Bool) {
        #expect(ConnectionClose(code: code).isRetryable == retryable)
    }

    @Test("Known codes have a meaning")
    func meanings() {
        for code: UInt16 in [1000, 1002, 1011, 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4500] {
            #expect(ConnectionClose.meaning(ofCloseCode: code) != nil)
        }
        #expect(ConnectionClose.meaning(ofCloseCode: 4999) == nil)
        #expect(ConnectionClose(code: 4403, reason: "Forbidden").description.hasPrefix("4403 forbidden"))
        #expect(ConnectionClose(code: 4403, reason: "Forbidden").description.hasSuffix(": Forbidden"))
    }

    @Test("Which client errors are retried")
    func errorRetryable() {
        #expect(GraphQLWebSocketClientError.connectionFailed(reason: "refused").isRetryable)
        #expect(GraphQLWebSocketClientError.connectionAckTimeout(.seconds(1)).isRetryable)
        #expect(GraphQLWebSocketClientError.keepAliveTimeout(.seconds(1)).isRetryable)
        #expect(GraphQLWebSocketClientError.upgradeRefused(status: 503, reasonPhrase: "").isRetryable)
        #expect(!GraphQLWebSocketClientError.upgradeRefused(status: 400, reasonPhrase: "").isRetryable)
        #expect(!GraphQLWebSocketClientError.noCommonSubprotocol(offered: ["graphql-ws"], answered: nil).isRetryable)
        #expect(!GraphQLWebSocketClientError.connectionRejected(payload: nil).isRetryable)
        #expect(GraphQLWebSocketClientError.closed(ConnectionClose(code: 4403)).isRetryable)
        #expect(!GraphQLWebSocketClientError.closed(ConnectionClose(code: 4401)).isRetryable)
    }

    @Test("Reconnect back-off doubles up to the limit")
    func backoff() {
        let reconnect = GraphQLWebSocketClient.Reconnect.enabled(maxAttempts: 5, initialDelay: .seconds(1), maxDelay: .seconds(5))
        #expect((1...5).map { reconnect.baseDelay(beforeRetry: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        for attempt in 1...5 {
            let delay = reconnect.delay(beforeRetry: attempt)
            #expect(delay >= reconnect.baseDelay(beforeRetry: attempt) / 2 && delay <= reconnect.baseDelay(beforeRetry: attempt))
        }
    }

    @Test("Protocol choice: the server's answer decides")
    func protocolChoice() {
        typealias Choice = GraphQLWebSocketClient.ProtocolChoice
        #expect(Choice.automatic.subprotocol(answered: "graphql-transport-ws") == .graphQLTransportWS)
        #expect(Choice.automatic.subprotocol(answered: "graphql-ws") == .graphQLWS)
        #expect(Choice.automatic.subprotocol(answered: nil) == .graphQLWS)
        #expect(Choice.automatic.subprotocol(answered: "graphql-subscriptions") == nil)
        #expect(Choice.graphQLTransportWS.subprotocol(answered: nil) == .graphQLTransportWS)
        #expect(Choice.graphQLTransportWS.subprotocol(answered: "graphql-ws") == nil)
    }
}
