import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Queries")
struct QueryTests {
    @Test func queryWithDefaultArgument() async throws {
        let outcome = try await exampleExecutor().execute(OperationRequest(query: "{ hello }"), context: "")
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello world"]))
    }

    @Test func queryWithLiteralArguments() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: #"{ hello(name: "Ada") add(a: 2, b: 40) }"#),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello Ada", "add": 42]))
    }

    @Test func resultBytesKeepFieldOrderAndAliases() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "{ z: add(a: 1, b: 1) hello a: add(a: 2, b: 2) }"),
            context: ""
        )
        guard case .single(let result) = outcome else {
            Issue.record("expected a single result, got \(outcome)")
            return
        }
        #expect(String(decoding: result.encodedJSON, as: UTF8.self) == #"{"data":{"z":2,"hello":"Hello world","a":4}}"#)
    }

    @Test func typenameAndIntrospection() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "{ __typename __schema { subscriptionType { name } } }"),
            context: ""
        )
        #expect(
            try outcome.singleResult()
                == dataResult(["__typename": "Query", "__schema": ["subscriptionType": ["name": "Subscription"]]])
        )
    }

    @Test func operationChosenByName() async throws {
        let document = "query First { hello } query Second { add(a: 1, b: 2) }"
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: document, operationName: "Second"),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["add": 3]))
    }
}
