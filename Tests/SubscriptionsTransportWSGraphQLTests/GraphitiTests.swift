import Graphiti
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

/// The Graphiti context; resolvers get it through the executor's `resolverContext`.
struct GreeterContext: Sendable {
    let greeting: String
}

struct GreeterResolver: Sendable {
    struct GreetArguments: Codable {
        let name: String
    }

    struct CountArguments: Codable {
        let upTo: Int
    }

    func greet(context: GreeterContext, arguments: GreetArguments) -> String {
        "\(context.greeting), \(arguments.name)"
    }

    func countdown(context _: GreeterContext, arguments: CountArguments) -> AsyncThrowingStream<Int, any Error> {
        AsyncThrowingStream { continuation in
            for value in stride(from: arguments.upTo, through: 1, by: -1) {
                continuation.yield(value)
            }
            continuation.finish()
        }
    }
}

/// Builds the Graphiti schema. `Graphiti.Field` and `Graphiti.Argument` are spelled out because
/// GraphQLSwift has AST types with the same names.
func makeGreeterSchema() throws -> Graphiti.Schema<GreeterResolver, GreeterContext> {
    try Graphiti.Schema<GreeterResolver, GreeterContext> {
        Query {
            Graphiti.Field("greet", at: GreeterResolver.greet) {
                Graphiti.Argument("name", at: \.name)
            }
        }
        Subscription {
            SubscriptionField("countdown", as: Int.self, atSub: GreeterResolver.countdown) {
                Graphiti.Argument("upTo", at: \.upTo)
            }
        }
    }
}

@Suite("Graphiti schemas", .timeLimit(.minutes(1)))
struct GraphitiTests {
    private func executor() throws -> GraphQLSwiftExecutor<String> {
        try GraphQLSwiftExecutor<String>(
            schema: makeGreeterSchema().schema,
            rootValue: GreeterResolver(),
            resolverContext: { greeting, _ in GreeterContext(greeting: greeting) }
        )
    }

    @Test func graphitiQueryRunsThroughItsGraphQLSchema() async throws {
        let outcome = try await executor().execute(OperationRequest(query: #"{ greet(name: "Ada") }"#), context: "Hi")
        #expect(try outcome.singleResult() == dataResult(["greet": "Hi, Ada"]))
    }

    @Test func graphitiSubscriptionStreams() async throws {
        let outcome = try await executor().execute(
            OperationRequest(query: "subscription($n: Int!) { countdown(upTo: $n) }", variables: ["n": 3]),
            context: "Hi"
        )
        #expect(try await collect(try outcome.resultStream()) == [3, 2, 1].map { dataResult(["countdown": $0]) })
    }

    @Test func graphitiSubscriptionWithTwoRootFieldsIsRejected() async throws {
        let outcome = try await executor().execute(
            OperationRequest(query: "subscription { a: countdown(upTo: 1) b: countdown(upTo: 2) }"),
            context: "Hi"
        )
        #expect(
            try outcome.rejectedErrors().map(\.message) == [
                "Anonymous Subscription must select only one top level field."
            ]
        )
    }
}
