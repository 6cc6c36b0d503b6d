import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Mutations")
struct MutationTests {
    @Test func mutationRuns() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: #"mutation { echo(text: "héllo \"quoted\"\n") }"#),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["echo": "héllo \"quoted\"\n"]))
    }

    @Test func mutationFieldsRunInOrder() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: #"mutation { second: echo(text: "2") first: echo(text: "1") }"#),
            context: ""
        )
        guard case .single(let result) = outcome else {
            Issue.record("expected a single result, got \(outcome)")
            return
        }
        #expect(String(decoding: result.encodedJSON, as: UTF8.self) == #"{"data":{"second":"2","first":"1"}}"#)
    }
}
