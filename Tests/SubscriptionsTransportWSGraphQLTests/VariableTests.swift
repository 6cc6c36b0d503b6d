import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Variables", .timeLimit(.minutes(1)))
struct VariableTests {
    @Test func intVariablesReachResolvers() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query Add($a: Int!, $b: Int!) { add(a: $a, b: $b) }", variables: ["a": 2, "b": 40]),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["add": 42]))
    }

    @Test func stringVariableReachesResolvers() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query($name: String) { hello(name: $name) }", variables: ["name": "Ada 🚀"]),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello Ada 🚀"]))
    }

    @Test func variablesReachSubscriptionResolvers() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription($n: Int!) { counter(n: $n) }", variables: ["n": 3]),
            context: ""
        )
        #expect(try await collect(try outcome.resultStream()) == (0..<3).map { dataResult(["counter": .integer($0)]) })
    }

    @Test func omittedNullableVariableUsesTheArgumentDefault() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query($name: String = \"you\") { hello(name: $name) }"),
            context: ""
        )
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello you"]))
    }

    @Test func badQueryVariableIsAnErrorsResult() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "query($a: Int!) { add(a: $a, b: 1) }", variables: ["a": "two"]),
            context: ""
        )
        let result = try outcome.singleResult()
        #expect(result["data"] == nil)
        guard case .array(let errors)? = result["errors"], let message = errors.first?["message"]?.stringValue else {
            Issue.record("expected errors in \(result)")
            return
        }
        #expect(message.contains("$a"))
    }

    @Test func missingSubscriptionVariableIsAnErrorsResult() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription($n: Int!) { counter(n: $n) }"),
            context: ""
        )
        let result = try outcome.singleResult()
        #expect(result["data"] == nil)
        guard case .array(let errors)? = result["errors"], let message = errors.first?["message"]?.stringValue else {
            Issue.record("expected errors in \(result)")
            return
        }
        #expect(message.contains("$n"))
    }
}
