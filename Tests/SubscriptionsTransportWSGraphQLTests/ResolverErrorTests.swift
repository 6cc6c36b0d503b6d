import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Resolver errors")
struct ResolverErrorTests {
    private func run(_ query: String) async throws -> JSONValue {
        try await testExecutor(context: String.self).execute(OperationRequest(query: query), context: "").singleResult()
    }

    @Test func nullableFieldErrorGivesNullDataAndALocatedError() async throws {
        let result = try await run("{\n  hello\n  boom\n}")
        #expect(
            result == [
                "data": ["hello": "Hello world", "boom": nil],
                "errors": [
                    ["message": "boom failed", "locations": [["line": 3, "column": 3]], "path": ["boom"]]
                ],
            ]
        )
    }

    @Test func nonNullRootFieldErrorLeavesNoData() async throws {
        let result = try await run("{ hello boomNonNull }")
        // GraphQLSwift 4.3.0 drops `data` when a non-null root field fails (graphql-js sends
        // `"data": null`); either way there is no data to read.
        #expect(result["data"] == nil || result["data"] == .null)
        #expect(
            result["errors"] == [
                ["message": "boomNonNull failed", "locations": [["line": 1, "column": 9]], "path": ["boomNonNull"]]
            ]
        )
    }

    @Test func thrownGraphQLErrorKeepsItsExtensions() async throws {
        let result = try await run("{ graphQLBoom }")
        #expect(result["data"] == ["graphQLBoom": nil])
        guard case .array(let errors)? = result["errors"], errors.count == 1 else {
            Issue.record("expected one error in \(result)")
            return
        }
        #expect(errors[0]["message"] == "graphQLBoom failed")
        #expect(errors[0]["extensions"] == ["code": "TEAPOT", "retry": 3])
        // GraphQLSwift 4.3.0 passes a thrown `GraphQLError` through as it is, so it has neither
        // locations nor path (graphql-js would add both). Throw other errors to get them.
        #expect(errors[0]["path"] == nil)
        #expect(errors[0]["locations"] == nil)
    }
}
