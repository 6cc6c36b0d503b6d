import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

/// `@oneOf` input objects given a variable with no field: GraphQLSwift 4.3.0 crashes coercing it (it
/// reads the first key of none), which would take the whole server down; the executor answers with
/// the validation error instead, for every kind of operation.
@Suite("@oneOf input variables", .timeLimit(.minutes(1)))
struct OneOfInputTests {
    static func executor() throws -> GraphQLSwiftExecutor<String> {
        let pick = try GraphQLInputObjectType(
            name: "Pick",
            fields: { ["a": InputObjectField(type: GraphQLInt), "b": InputObjectField(type: GraphQLString)] },
            isOneOf: true
        )
        let field = GraphQLField(
            type: GraphQLString,
            args: ["input": GraphQLArgument(type: GraphQLNonNull(pick))],
            resolve: { _, arguments, _, _ in
                arguments["input"]["a"].int.map { "a=\($0)" } ?? arguments["input"]["b"].string.map { "b=\($0)" }
            }
        )
        let schema = try GraphQLSchema(
            query: try GraphQLObjectType(name: "Query", fields: ["pick": field]),
            mutation: try GraphQLObjectType(name: "Mutation", fields: ["pick": field])
        )
        return try GraphQLSwiftExecutor<String>(schema: schema)
    }

    @Test(arguments: ["query", "mutation"])
    func aOneOfVariableWithNoFieldIsAnErrorsResult(kind: String) async throws {
        let outcome = try await Self.executor().execute(
            OperationRequest(query: "\(kind)($i: Pick!) { pick(input: $i) }", variables: ["i": [:]]),
            context: ""
        )
        let result = try outcome.singleResult()
        #expect(result["data"] == nil)
        guard case .array(let errors)? = result["errors"], let message = errors.first?["message"]?.stringValue else {
            Issue.record("expected errors in \(result)")
            return
        }
        #expect(message.contains("$i"))
        #expect(message.contains("Exactly one key must be specified for OneOf type \"Pick\""))
    }

    @Test func aOneOfLiteralWithNoFieldIsRejectedByValidation() async throws {
        let outcome = try await Self.executor().execute(OperationRequest(query: "{ pick(input: {}) }"), context: "")
        guard case .rejected(let errors) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(errors.contains { $0.message.contains("Pick") })
    }

    @Test func aOneOfVariableWithOneFieldRuns() async throws {
        let outcome = try await Self.executor().execute(
            OperationRequest(query: "query($i: Pick!) { pick(input: $i) }", variables: ["i": ["b": "x"]]),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["pick": "b=x"]))
    }
}
