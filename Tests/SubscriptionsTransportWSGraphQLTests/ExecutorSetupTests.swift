import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Executor setup")
struct ExecutorSetupTests {
    @Test func invalidSchemaIsRefusedAtInit() throws {
        let schema = try GraphQLSchema(query: GraphQLObjectType(name: "Query", fields: [:]))
        let error = #expect(throws: GraphQLSchemaValidationError.self) {
            try GraphQLSwiftExecutor<String>(schema: schema)
        }
        #expect(error?.errors.isEmpty == false)
    }

    @Test func exampleSchemaHasTheDocumentedShape() throws {
        let printed = printSchema(schema: try ExampleSchema.make())
        #expect(printed.contains(#"hello(name: String = "world"): String!"#))
        #expect(printed.contains("add(a: Int!, b: Int!): Int!"))
        #expect(printed.contains("echo(text: String!): String!"))
        #expect(printed.contains("counter(n: Int! = 5, delayMs: Int! = 0): Int!"))
        // Field descriptions, for introspection (the playground's schema panel shows them).
        #expect(printed.contains("Counts 0, 1, …, n-1, waiting delayMs milliseconds"))
    }

    @Test func extraFieldsAreAddedToTheExampleSchema() async throws {
        let executor = try GraphQLSwiftExecutor<String>(
            schema: ExampleSchema.make(queryFields: ["version": GraphQLField(type: GraphQLString) { _, _, _, _ in "1" }]
            )
        )
        let outcome = try await executor.execute(OperationRequest(query: "{ version hello }"), context: "")
        #expect(try outcome.singleResult() == dataResult(["version": "1", "hello": "Hello world"]))
    }

    @Test func customValidationRulesReplaceTheDefaults() async throws {
        let executor = try GraphQLSwiftExecutor<String>(
            schema: ExampleSchema.make(),
            validationRules: specifiedRules
        )
        let outcome = try await executor.execute(
            OperationRequest(query: "subscription { counter(n: 1) other: counter(n: 1) }"),
            context: ""
        )
        // Without the single-root-field rule GraphQLSwift subscribes to the first field and runs
        // both fields for each of its events.
        #expect(try await collect(try outcome.resultStream()) == [dataResult(["counter": 0, "other": 0])])
    }
}
