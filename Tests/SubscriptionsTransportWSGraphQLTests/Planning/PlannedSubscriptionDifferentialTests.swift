import GraphQL
import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSGraphQL

/// Whole subscriptions through ``GraphQLSwiftExecutor``: planned, and through GraphQLSwift's
/// `graphqlSubscribe`. Every event's result, and every way a subscription fails to start, must be
/// the same.
@Suite("Planned execution: subscriptions")
struct PlannedSubscriptionDifferentialTests {
    static let corpus: [String] = [
        "subscription { personUpdated { name age scores } }",
        "subscription { personUpdated { name tags } }",
        "subscription { p: personUpdated { n: name bestFriend { name } friends { name } } }",
        // Never two failures that reach the root in one selection: GraphQLSwift resolves fields
        // concurrently and keeps whichever comes first (seen under load), so its answer varies.
        "subscription { personUpdated { name failing } }",
        "subscription { personUpdated { failing failingNonNull } }",
        // The last event's name resolves to null: a non-null error of its own.
        "subscription { personUpdated { name } }",
        "subscription { personUpdated { ...F } } fragment F on Person { name pet { name owner { name } } }",
        "subscription { personUpdated { sourceName __typename } }",
        "subscription { count }",
        "subscription { count(to: 5) }",
        "subscription ($to: Int = 4) { count(to: $to) }",
        "subscription { beingSeen { __typename ... on Named { name } ... on Pet { legs } } }",
        // Failures before the stream: a missing variable, a rejected document.
        "subscription ($to: Int!) { count(to: $to) }",
        #"subscription { count(to: "x") }"#,
    ]

    @Test(arguments: corpus) func eventsMatchGraphQLSwiftsSubscribe(_ query: String) async throws {
        let schema = try DifferentialSchema.make()
        let planned = try GraphQLSwiftExecutor<JSONObject>(schema: schema, rootValue: "root", subscriptionExecution: .planned)
        let reference = try GraphQLSwiftExecutor<JSONObject>(schema: schema, rootValue: "root", subscriptionExecution: .graphQLSwift)
        let request = OperationRequest(query: query)
        let plannedOutcome = try await planned.execute(request, context: [:])
        let referenceOutcome = try await reference.execute(request, context: [:])
        if case .rejected(let plannedErrors) = plannedOutcome, case .rejected(let referenceErrors) = referenceOutcome {
            #expect(plannedErrors == referenceErrors)
            return
        }
        let plannedResults = try await Self.results(of: plannedOutcome)
        let referenceResults = try await Self.results(of: referenceOutcome)
        #expect(plannedResults.count == referenceResults.count, "\(plannedResults) vs \(referenceResults)")
        for (plannedResult, referenceResult) in zip(plannedResults, referenceResults) {
            try expectSameResult(plannedResult, referenceResult)
        }
    }

    @Test func rejectedDocumentsAreTheSameBothWays() async throws {
        let schema = try DifferentialSchema.make()
        for query in ["subscription { nothing }", "subscription { count personUpdated { name } }", "subscription {"] {
            for execution in [SubscriptionExecution.planned, .graphQLSwift] {
                let executor = try GraphQLSwiftExecutor<JSONObject>(schema: schema, subscriptionExecution: execution)
                do {
                    let outcome = try await executor.execute(OperationRequest(query: query), context: [:])
                    guard case .rejected = outcome else {
                        Issue.record("\(query) was not rejected")
                        continue
                    }
                } catch is GraphQLRequestError {
                    #expect(query == "subscription {")
                }
            }
        }
    }

    /// The encoded results an outcome stands for: one for a single result, each event's for a stream.
    static func results(of outcome: ExecutionOutcome) async throws -> [[UInt8]] {
        switch outcome {
        case .single(let result):
            return [result.encodedJSON]
        case .rejected:
            Issue.record("one way rejected the document and the other did not")
            return []
        case .stream(let stream):
            var results: [[UInt8]] = []
            for try await result in stream { results.append(result.encodedJSON) }
            return results
        }
    }
}
