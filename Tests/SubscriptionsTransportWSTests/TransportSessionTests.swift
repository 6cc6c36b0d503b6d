import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// A connection whose socket is already gone, so its protocol part ends at once: the tests are about
/// the writer and the reader.
private func finishedConnection() -> any WebSocketServerConnection {
    let connection = GraphQLWebSocketServer(executor: TestExecutor<JSONObject>()).makeConnection(speaking: .graphQLTransportWS)
    connection.transportClosed()
    return connection
}

/// A reader that reads nothing until it is cancelled, as a socket whose client never answers.
@Sendable private func readUntilCancelled() async -> (any Error)? {
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(3600))
    }
    return nil
}

/// How the adapters end a socket's parts (`runTransportSession`); each case would hang, and hit the
/// time limit, if the reader were not ended as the rule says.
@Suite("Transport session ending", .timeLimit(.minutes(1)))
struct TransportSessionTests {
    @Test func afterTheServersCloseFrameTheReaderIsCancelledWhenTheCloseTimeoutPasses() async {
        let (sentClose, readFailure) = await runTransportSession(
            connection: finishedConnection(),
            closeTimeout: .milliseconds(1),
            write: { true },
            read: readUntilCancelled
        )
        #expect(sentClose)
        #expect(readFailure == nil)
    }

    @Test func withoutACloseFrameTheReaderIsCancelledAtOnce() async {
        let (sentClose, readFailure) = await runTransportSession(
            connection: finishedConnection(),
            closeTimeout: .seconds(3600),
            write: { false },
            read: readUntilCancelled
        )
        #expect(!sentClose)
        #expect(readFailure == nil)
    }

    @Test func theReadersFailureIsReported() async {
        let (sentClose, readFailure) = await runTransportSession(
            connection: finishedConnection(),
            closeTimeout: .seconds(3600),
            write: { false },
            read: { TestError("socket reset") }
        )
        #expect(!sentClose)
        #expect(readFailure as? TestError == TestError("socket reset"))
    }
}
