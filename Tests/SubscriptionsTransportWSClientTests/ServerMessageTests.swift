import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSClient

@Suite("Server message decoding")
struct ServerMessageTests {
    private func decode(_ text: String, _ subprotocol: WebSocketSubprotocol) throws -> ServerMessage {
        try ServerMessage.decode(Array(text.utf8), for: subprotocol)
    }

    @Test(
        "graphql-ws messages",
        arguments: [
            (#"{"type":"connection_ack"}"#, ServerMessage.connectionAck(payload: nil)),
            (#"{"type":"connection_ack","payload":{"v":1}}"#, .connectionAck(payload: ["v": 1])),
            (#"{"type":"ka"}"#, .keepAlive),
            (#"{"type":"connection_error","payload":{"message":"no"}}"#, .connectionError(payload: ["message": "no"])),
            (#"{"type":"data","id":"1","payload":{"data":{"a":1}}}"#, .next(id: "1", payload: ["data": ["a": 1]])),
            (#"{"type":"data","id":1,"payload":{"data":null}}"#, .next(id: "1", payload: ["data": nil])),
            (#"{"type":"complete","id":"1","payload":null}"#, .complete(id: "1")),
            (#"{"type":"error","id":"2","payload":{"message":"Syntax Error"}}"#, .error(id: "2", errors: [.init(message: "Syntax Error")])),
        ]
    )
    func graphQLWS(text: String, expected: ServerMessage) throws {
        #expect(try decode(text, .graphQLWS) == expected)
    }

    @Test(
        "graphql-transport-ws messages",
        arguments: [
            (#"{"type":"connection_ack"}"#, ServerMessage.connectionAck(payload: nil)),
            (#"{"type":"ping","payload":{"p":true}}"#, .ping(payload: ["p": true])),
            (#"{"type":"pong"}"#, .pong(payload: nil)),
            (#"{"id":"1","type":"next","payload":{"data":{"a":1}}}"#, .next(id: "1", payload: ["data": ["a": 1]])),
            (#"{"type":"complete","id":"1"}"#, .complete(id: "1")),
            (
                #"{"type":"error","id":"1","payload":[{"message":"bad","locations":[{"line":1,"column":3}]}]}"#,
                .error(id: "1", errors: [.init(message: "bad", locations: [.init(line: 1, column: 3)])])
            ),
        ]
    )
    func graphQLTransportWS(text: String, expected: ServerMessage) throws {
        #expect(try decode(text, .graphQLTransportWS) == expected)
    }

    @Test(
        "Types of the other protocol and malformed messages are rejected",
        arguments: [
            (#"{"type":"ka"}"#, WebSocketSubprotocol.graphQLTransportWS),
            (#"{"type":"next","id":"1","payload":{}}"#, .graphQLWS),
            (#"{"type":"data","id":"1","payload":{}}"#, .graphQLTransportWS),
            (#"{"type":"ping"}"#, .graphQLWS),
            (#"{"type":"connection_error","payload":{}}"#, .graphQLTransportWS),
            (#"{"type":"error","id":"1","payload":{"message":"x"}}"#, .graphQLTransportWS),
            (#"{"type":"error","id":"1","payload":[]}"#, .graphQLTransportWS),
            (#"{"type":"next","id":"","payload":{}}"#, .graphQLTransportWS),
            (#"{"type":"next","id":"1"}"#, .graphQLTransportWS),
            (#"{"type":"ping","payload":"x"}"#, .graphQLTransportWS),
            (#"{"id":"1"}"#, .graphQLWS),
            (#"[]"#, .graphQLWS),
            (#"not json"#, .graphQLTransportWS),
        ]
    )
    func rejected(text: String, subprotocol: WebSocketSubprotocol) {
        #expect(throws: InvalidServerMessage.self) { try decode(text, subprotocol) }
    }

    @Test("graphql-ws error payloads in every shape Apollo's client accepts")
    func errorShapes() throws {
        #expect(
            try decode(#"{"type":"error","id":"1","payload":[{"message":"a"},{"message":"b"}]}"#, .graphQLWS)
                == .error(id: "1", errors: [.init(message: "a"), .init(message: "b")])
        )
        #expect(
            try decode(#"{"type":"error","id":"1","payload":{"errors":[{"message":"a"}]}}"#, .graphQLWS)
                == .error(id: "1", errors: [.init(message: "a")])
        )
        #expect(
            try decode(#"{"type":"error","id":"1","payload":"boom"}"#, .graphQLWS)
                == .error(id: "1", errors: [.init(message: #""boom""#)])
        )
    }

    @Test("A result exposes data, errors and extensions")
    func response() {
        let response = GraphQLResponse(payload: [
            "data": ["a": nil],
            "errors": [["message": "failed", "path": ["a"], "extensions": ["code": "X"]]],
            "extensions": ["cost": 1],
        ])
        #expect(response.data == ["a": nil])
        #expect(response.errors == [.init(message: "failed", path: ["a"], extensions: ["code": "X"])])
        #expect(response.extensions == ["cost": 1])
        #expect(response.hasErrors)
        #expect(!GraphQLResponse(payload: ["data": ["a": 1]]).hasErrors)
    }
}
