import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// Every close frame a connection queues has a reason that fits a close frame (123 UTF-8 bytes),
/// cut between characters: the rule lives in the outbound queue, so no transport cuts on its own.
@Suite("Close reasons fit a close frame")
struct CloseReasonTests {
    private func closeFrame(after input: (ServerConnection<TestExecutor<JSONObject>>) -> Void) throws -> (UInt16, String) {
        let server = GraphQLWebSocketServer(
            executor: TestExecutor<JSONObject>(),
            hooks: HookSpy().hooks(),
            graphQLTransportWS: transportTestOptions()
        )
        let connection = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        input(connection)
        let (_, code, reason) = try takeUntilClose(connection.outbound)
        return (code, reason)
    }

    @Test func aShortReasonIsKept() throws {
        let (code, reason) = try closeFrame { $0.close(code: 4000, reason: "Unauthorized") }
        #expect(code == 4000)
        #expect(reason == "Unauthorized")
    }

    @Test func aLongReasonIsCutTo123Bytes() throws {
        let (_, reason) = try closeFrame { $0.close(code: 4000, reason: String(repeating: "a", count: 200)) }
        #expect(reason == String(repeating: "a", count: 123))
    }

    @Test func aReasonIsCutBetweenCharacters() throws {
        // "é" is two UTF-8 bytes: 61 of them are 122 bytes, and the 62nd would cross 123.
        let (_, reason) = try closeFrame { $0.close(code: 4000, reason: String(repeating: "é", count: 100)) }
        #expect(reason == String(repeating: "é", count: 61))
    }
}
