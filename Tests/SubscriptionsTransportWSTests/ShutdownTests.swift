import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test func closeAllConnectionsClosesEveryConnectionWith1001AndWaits() async throws {
        let executor = TestExecutor<JSONObject>()
        let server = GraphQLWebSocketServer(executor: executor, graphQLWS: testOptions(), graphQLTransportWS: transportTestOptions())
        let legacy = server.makeConnection(speaking: .graphQLWS, clock: ManualClock())
        let modern = server.makeConnection(speaking: .graphQLTransportWS, clock: ManualClock())
        try await withTestConnection(legacy, probe: .graphQLWS) { first in
            try await withTestConnection(modern, probe: .graphQLTransportWS) { second in
                try await first.initialise()
                await first.start(#""1""#)
                try await second.initialise()
                await second.subscribe("1")
                let sources = [try #require(await executor.call(0).source), try #require(await executor.call(1).source)]
                await server.closeAllConnections()
                try await first.expectClose(code: 1001, reason: "Going away")
                try await second.expectClose(code: 1001, reason: "Going away")
                for source in sources {
                    await source.waitUntilTerminated()
                }
                try await first.expectEnd()
                try await second.expectEnd()
            }
        }
    }

    @Test func connectionsStartedAfterShutdownCloseAtOnce() async throws {
        let server = GraphQLWebSocketServer(executor: TestExecutor<JSONObject>(), graphQLTransportWS: transportTestOptions())
        await server.closeAllConnections(code: 1012, reason: "Restarting")
        try await withTestConnection(server.makeConnection(speaking: .graphQLTransportWS), probe: .graphQLTransportWS) { connection in
            try await connection.expectClose(code: 1012, reason: "Restarting")
            try await connection.expectEnd()
        }
    }
}
