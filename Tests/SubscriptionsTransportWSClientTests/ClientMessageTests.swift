import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSClient

@Suite("Client message encoding")
struct ClientMessageTests {
    @Test("connection_init: graphql-ws always sends a payload, graphql-transport-ws only when given")
    func connectionInit() {
        #expect(ClientMessage.connectionInit(payload: nil).encoded(for: .graphQLWS) == #"{"type":"connection_init","payload":{}}"#)
        #expect(ClientMessage.connectionInit(payload: nil).encoded(for: .graphQLTransportWS) == #"{"type":"connection_init"}"#)
        #expect(
            ClientMessage.connectionInit(payload: ["token": "t"]).encoded(for: .graphQLTransportWS)
                == #"{"type":"connection_init","payload":{"token":"t"}}"#
        )
    }

    @Test("An operation is start on graphql-ws and subscribe on graphql-transport-ws, type, id, payload in order")
    func subscribe() {
        let request = OperationRequest(query: "{ hello }")
        #expect(
            ClientMessage.subscribe(id: "1", request: request).encoded(for: .graphQLWS)
                == #"{"type":"start","id":"1","payload":{"query":"{ hello }"}}"#
        )
        #expect(
            ClientMessage.subscribe(id: "1", request: request).encoded(for: .graphQLTransportWS)
                == #"{"type":"subscribe","id":"1","payload":{"query":"{ hello }"}}"#
        )
    }

    @Test("The request carries variables, operation name, extensions and extra fields")
    func requestFields() throws {
        let request = OperationRequest(
            query: "query Q($n: String) { hello(name: $n) }",
            variables: ["n": "x"],
            operationName: "Q",
            extensions: ["persistedQuery": ["version": 1]],
            otherPayloadFields: ["context": ["a": true]]
        )
        let text = ClientMessage.subscribe(id: "7", request: request).encoded(for: .graphQLTransportWS)
        #expect(
            try JSONValue.parse(text)
                == [
                    "type": "subscribe", "id": "7",
                    "payload": [
                        "query": "query Q($n: String) { hello(name: $n) }",
                        "variables": ["n": "x"],
                        "operationName": "Q",
                        "extensions": ["persistedQuery": ["version": 1]],
                        "context": ["a": true],
                    ],
                ]
        )
    }

    @Test("Stopping is stop on graphql-ws and complete on graphql-transport-ws")
    func stop() {
        #expect(ClientMessage.stop(id: "3").encoded(for: .graphQLWS) == #"{"type":"stop","id":"3"}"#)
        #expect(ClientMessage.stop(id: "3").encoded(for: .graphQLTransportWS) == #"{"type":"complete","id":"3"}"#)
    }

    @Test("connection_terminate, ping and pong")
    func controlMessages() {
        #expect(ClientMessage.connectionTerminate.encoded(for: .graphQLWS) == #"{"type":"connection_terminate"}"#)
        #expect(ClientMessage.ping(payload: nil).encoded(for: .graphQLTransportWS) == #"{"type":"ping"}"#)
        #expect(ClientMessage.pong(payload: ["a": 1]).encoded(for: .graphQLTransportWS) == #"{"type":"pong","payload":{"a":1}}"#)
    }

    @Test("Strings are escaped")
    func escaping() throws {
        let request = OperationRequest(query: "{ hello(name: \"a\\\"b\n\") }")
        let text = ClientMessage.subscribe(id: "1", request: request).encoded(for: .graphQLWS)
        #expect(try JSONValue.parse(text).objectValue?["payload"]?.objectValue?["query"] == .string(request.query))
    }
}
