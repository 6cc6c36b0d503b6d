import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-ws parsing and unknown messages (GW-17…GW-23)")
struct GraphQLWSParsingTests {
    private func expectConnectionError(_ connection: TestConnection<some WebSocketServerConnection>) async throws {
        let frame = try await connection.nextJSON()
        let object = try #require(frame.objectValue)
        #expect(object["type"] == "connection_error")
        #expect(object["id"] == nil)
        let message = try #require(object["payload"]?.objectValue?["message"]?.stringValue)
        #expect(!message.isEmpty)
    }

    @Test func gw17TextThatIsNotJSONGetsConnectionErrorAndStaysOpen() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send("HI")
            try await expectConnectionError(connection)
            try await connection.initialise()
        }
    }

    @Test(arguments: ["null", "[]", "42", #""x""#])
    func gw18JSONThatIsNotAnObjectGetsConnectionError(frame: String) async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send(frame)
            try await expectConnectionError(connection)
            try await connection.initialise()
        }
    }

    @Test func gw19EmptyObjectIsAnInvalidMessageType() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send("{}")
            try await connection.expect(#"{"type":"error","payload":{"message":"Invalid message type!"}}"#)
            try await connection.initialise()
        }
    }

    @Test func gw20NewProtocolMessageIsAnInvalidMessageTypeWithItsId() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(#"{"type":"subscribe","id":"3","payload":{"query":"{a}"}}"#)
            try await connection.expect(#"{"type":"error","id":"3","payload":{"message":"Invalid message type!"}}"#)
            try await connection.expectSilence()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func gw21ServerBoundTypesFromClientAreInvalidAndClientKeepAliveIsIgnored() async throws {
        try await withGraphQLWSConnection { connection in
            try await connection.initialise()
            await connection.send(#"{"type":"connection_ack"}"#)
            try await connection.expect(#"{"type":"error","payload":{"message":"Invalid message type!"}}"#)
            await connection.send(#"{"type":"data","id":"1","payload":{}}"#)
            try await connection.expect(#"{"type":"error","id":"1","payload":{"message":"Invalid message type!"}}"#)
            await connection.send(#"{"type":"connection_error","payload":{}}"#)
            try await connection.expect(#"{"type":"error","payload":{"message":"Invalid message type!"}}"#)
            await connection.send(#"{"type":"ka"}"#)
            try await connection.expectSilence()
        }
    }

    @Test func gw22BinaryFramesAreDecodedAsText() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.sendBinary(Array(#"{"type":"connection_init"}"#.utf8))
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.sendBinary([0x7B, 0xFF, 0xFE, 0x7D])
            try await expectConnectionError(connection)
            try await connection.expectSilence()
        }
    }

    @Test func gw22BinaryFramesCanBeRejected() async throws {
        try await withGraphQLWSConnection(options: testOptions(binaryFrames: .reject)) { connection in
            await connection.sendBinary(Array(#"{"type":"connection_init"}"#.utf8))
            try await connection.expectClose(code: 1002)
            try await connection.expectEnd()
        }
    }

    @Test func gw23UnknownTopLevelKeysAreIgnored() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send(#"{"type":"connection_init","payload":{},"foo":1}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
        }
    }

    @Test func oversizedMessageCloses1009AsTheAdaptersDo() async throws {
        var options = testOptions()
        options.maxInboundMessageBytes = 64
        try await withGraphQLWSConnection(options: options) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"pad":"\#(String(repeating: "x", count: 100))"}}"#)
            try await connection.expectClose(code: 1009, reason: "Message too big")
        }
    }

    @Test func deeplyNestedJSONIsInvalidInputNotACrash() async throws {
        try await withGraphQLWSConnection { connection in
            await connection.send(String(repeating: "[", count: 100_000))
            try await expectConnectionError(connection)
            try await connection.initialise()
        }
    }
}
