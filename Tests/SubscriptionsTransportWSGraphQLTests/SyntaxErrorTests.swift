import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Syntax errors")
struct SyntaxErrorTests {
    @Test func unterminatedSelectionThrowsARequestError() async throws {
        let error = await #expect(throws: GraphQLRequestError.self) {
            try await exampleExecutor().execute(OperationRequest(query: "{"), context: "")
        }
        #expect(
            error?.errors == [
                GraphQLFormattedError(
                    message: "Syntax Error: Expected Name, found <EOF>.",
                    locations: [.init(line: 1, column: 2)]
                )
            ]
        )
    }

    @Test func unexpectedTokenOnALaterLine() async throws {
        let error = await #expect(throws: GraphQLRequestError.self) {
            try await exampleExecutor().execute(OperationRequest(query: "query {\n  hello\n}\n}"), context: "")
        }
        #expect(error?.errors.count == 1)
        #expect(error?.errors.first?.message.hasPrefix("Syntax Error: Unexpected ") == true)
        #expect(error?.errors.first?.message.hasSuffix(".") == true)
        #expect(error?.errors.first?.message.contains("\n") == false)
        #expect(error?.errors.first?.locations == [.init(line: 4, column: 1)])
    }

    @Test func lexerErrorIsReworded() async throws {
        let error = await #expect(throws: GraphQLRequestError.self) {
            try await exampleExecutor().execute(OperationRequest(query: #"{ hello(name: "unterminated) }"#), context: "")
        }
        #expect(error?.errors.map(\.message) == ["Syntax Error: Unterminated string."])
    }
}
