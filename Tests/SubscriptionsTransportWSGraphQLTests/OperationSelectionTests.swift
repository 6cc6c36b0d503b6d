import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Operation selection")
struct OperationSelectionTests {
    @Test func unknownOperationNameIsRejected() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query A { hello }", operationName: "B"),
            context: ""
        )
        #expect(try outcome.rejectedErrors() == [GraphQLFormattedError(message: "Unable to identify operation")])
    }

    @Test func missingNameWithSeveralOperationsIsRejected() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query A { hello } subscription B { counter }"),
            context: ""
        )
        #expect(
            try outcome.rejectedErrors() == [
                GraphQLFormattedError(message: "Must provide operation name if query contains multiple operations.")
            ]
        )
    }

    @Test func namedSubscriptionAmongQueriesIsStreamed() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query A { hello } subscription B { counter(n: 2) }", operationName: "B"),
            context: ""
        )
        #expect(
            try await collect(try outcome.resultStream()) == [dataResult(["counter": 0]), dataResult(["counter": 1])]
        )
    }

    @Test func namedQueryAmongSubscriptionsIsSingle() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query A { hello } subscription B { counter(n: 2) }", operationName: "A"),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello world"]))
    }
}
