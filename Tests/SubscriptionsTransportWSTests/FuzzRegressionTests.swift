import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// Cases the libFuzzer targets of `Fuzz/` found (`scripts/fuzz.sh`), each named after the rule it
/// guards; the comment gives the fuzz program that found it.
@Suite("Regressions found by fuzzing")
struct FuzzRegressionTests {
    /// FuzzGraphQLWSMachine: `start "2"` (valid), `start "2"` with `"variables":[]`, then a result of
    /// the first run: the server sent `error "2"` and then `data "2"`, a frame after the id's
    /// terminal frame (GW-45). A refused `start` now replaces the live operation as a valid one does.
    @Test(arguments: [
        #"{"id":"1","type":"start","payload":{"query":"{ a }","variables":[]}}"#,
        #"{"id":"1","type":"start","payload":{"query":5}}"#,
        #"{"id":1,"type":"start"}"#,
    ])
    func graphQLWSRefusedStartEndsTheLiveOperationOfItsIdBeforeTheError(frame: String) async throws {
        let spy = HookSpy()
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor, hooks: spy.hooks()) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            let source = try #require(await executor.call(0).source)
            await connection.send(frame)
            let reply = try #require(try await connection.nextJSON().objectValue)
            #expect(reply["type"] == "error")
            #expect(OperationID(try #require(reply["id"])) == OperationID("1"))
            source.emit(["data": ["t": 1]])
            try await connection.expectSilence()
            await source.waitUntilTerminated()
            await spy.completed.waitForCount(1)
        }
        #expect(executor.calls.count == 1)
        #expect(spy.completed.values == [OperationID("1")])
    }

    /// FuzzGraphQLWSMachine: an executor that rejects a `start` without errors (`.rejected([])`) made
    /// the server send `{"type":"data","id":…,"payload":{"errors":[]}}`, a result whose `errors` is
    /// an empty list. It now reports one "Invalid request" error, as graphql-transport-ws does.
    @Test func graphQLWSRejectionWithoutErrorsStillSendsAnError() async throws {
        let executor = TestExecutor<JSONObject> { _, _, _ in .rejected([]) }
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            await connection.start(#""1""#)
            try await connection.expect(#"{"type":"data","id":"1","payload":{"errors":[{"message":"Invalid request"}]}}"#)
            try await connection.expect(#"{"type":"complete","id":"1"}"#)
        }
    }
}
