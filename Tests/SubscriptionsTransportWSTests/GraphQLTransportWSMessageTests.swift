import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("graphql-transport-ws message validation (TW-17…TW-22)")
struct GraphQLTransportWSMessageTests {
    @Test func tw17TextThatIsNotJSONCloses4400() async throws {
        try await withTransportWSConnection { connection in
            try await connection.initialise()
            await connection.send("not json")
            try await connection.expectClose(code: 4400, reason: "Invalid message received")
        }
    }

    @Test(arguments: [
        "[]", "0", #""x""#, "null", "{}", #"{"type":""}"#, #"{"type":0}"#, #"{"type":"nuxt"}"#,
        #"{"type":"connection_init","payload":""}"#, #"{"type":"connection_init","payload":0}"#,
        #"{"type":"ping","payload":0}"#, #"{"type":"subscribe"}"#,
        #"{"id":"","type":"subscribe","payload":{"query":"{a}"}}"#,
        #"{"id":0,"type":"subscribe","payload":{"query":"{a}"}}"#,
        #"{"id":"1","type":"subscribe"}"#, #"{"id":"1","type":"subscribe","payload":[]}"#,
        #"{"id":"1","type":"subscribe","payload":{}}"#, #"{"id":"1","type":"subscribe","payload":{"query":0}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":"{a}","variables":""}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":"{a}","operationName":0}}"#,
        #"{"id":"1","type":"subscribe","payload":{"query":"{a}","extensions":""}}"#,
        #"{"type":"complete"}"#, #"{"id":"","type":"complete"}"#, #"{"id":0,"type":"complete"}"#,
    ])
    func tw18InvalidMessagesClose4400(frame: String) async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.send(frame)
            try await connection.expectClose(code: 4400, reason: "Invalid message received")
            try await connection.expectEnd()
        }
        #expect(executor.calls.isEmpty)
    }

    @Test func tw19NullOptionalFieldsAreValid() async throws {
        let executor = TestExecutor<JSONObject>()
        try await withTransportWSConnection(executor: executor) { connection in
            await connection.send(#"{"type":"connection_init","payload":null}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.send(
                #"{"id":"1","type":"subscribe","payload":{"query":"{ a }","variables":null,"operationName":null,"extensions":null}}"#
            )
            let call = await executor.call(0)
            #expect(call.request == OperationRequest(query: "{ a }"))
        }
    }

    @Test(arguments: [
        #"{"type":"start","id":"1","payload":{"query":"{a}"}}"#, #"{"type":"stop","id":"1"}"#,
        #"{"type":"connection_terminate"}"#, #"{"type":"ka"}"#,
    ])
    func tw20LegacyMessagesClose4400(frame: String) async throws {
        try await withTransportWSConnection { connection in
            try await connection.initialise()
            await connection.send(frame)
            try await connection.expectClose(code: 4400)
        }
    }

    @Test(arguments: [
        #"{"id":"1","type":"next","payload":{}}"#, #"{"type":"connection_ack"}"#,
        #"{"id":"1","type":"error","payload":[{"message":"x"}]}"#,
    ])
    func tw21ServerOnlyTypesFromClientClose4400(frame: String) async throws {
        try await withTransportWSConnection { connection in
            try await connection.initialise()
            await connection.send(frame)
            try await connection.expectClose(code: 4400)
        }
    }

    @Test func tw22BinaryInitIsAcknowledged() async throws {
        try await withTransportWSConnection { connection in
            await connection.sendBinary(Array(#"{"type":"connection_init"}"#.utf8))
            try await connection.expect(#"{"type":"connection_ack"}"#)
        }
    }

    @Test func tw22BinaryFramesCanBeRejected() async throws {
        try await withTransportWSConnection(options: transportTestOptions(acceptsBinaryFrames: false)) { connection in
            await connection.sendBinary(Array(#"{"type":"connection_init"}"#.utf8))
            try await connection.expectClose(code: 4400)
        }
    }

    @Test func oversizedMessageCloses1009AsTheAdaptersDo() async throws {
        var options = transportTestOptions()
        options.maxInboundMessageBytes = 64
        try await withTransportWSConnection(options: options) { connection in
            await connection.send(#"{"type":"connection_init","payload":{"pad":"\#(String(repeating: "x", count: 100))"}}"#)
            try await connection.expectClose(code: 1009, reason: "Message too big")
        }
    }
}
