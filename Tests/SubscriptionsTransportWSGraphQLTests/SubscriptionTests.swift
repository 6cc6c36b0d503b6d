import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Subscriptions", .timeLimit(.minutes(1)))
struct SubscriptionTests {
    @Test func counterStreamsItsValuesThenFinishes() async throws {
        let outcome = try await exampleExecutor().execute(OperationRequest(query: "subscription { counter(n: 4) }"), context: "")
        let results = try await collect(try outcome.resultStream())
        #expect(results == (0..<4).map { dataResult(["counter": .integer($0)]) })
    }

    @Test func counterUsesDefaultArguments() async throws {
        let outcome = try await exampleExecutor().execute(OperationRequest(query: "subscription { counter }"), context: "")
        let results = try await collect(try outcome.resultStream())
        #expect(results == (0..<5).map { dataResult(["counter": .integer($0)]) })
    }

    @Test func counterWithDelayStillDeliversEveryValue() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription { counter(n: 3, delayMs: 1) }"),
            context: ""
        )
        let results = try await collect(try outcome.resultStream())
        #expect(results == (0..<3).map { dataResult(["counter": .integer($0)]) })
    }

    @Test func emptyCounterFinishesAtOnce() async throws {
        let outcome = try await exampleExecutor().execute(OperationRequest(query: "subscription { counter(n: 0) }"), context: "")
        #expect(try await collect(try outcome.resultStream()).isEmpty)
    }

    @Test func aliasAndFragmentAreKept() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(
                query: "subscription S { ...F } fragment F on Subscription { tick: counter(n: 2) }",
                operationName: "S"
            ),
            context: ""
        )
        let results = try await collect(try outcome.resultStream())
        #expect(results == [dataResult(["tick": 0]), dataResult(["tick": 1])])
    }

    @Test func controlledSourceEventsAreDeliveredThenTheStreamFinishes() async throws {
        let source = ControlledSource()
        let outcome = try await testExecutor(context: ControlledSource.self)
            .execute(OperationRequest(query: "subscription { controlled }"), context: source)
        let stream = try outcome.resultStream()
        source.send(7)
        source.send(8)
        source.finish()
        #expect(try await collect(stream) == [dataResult(["controlled": 7]), dataResult(["controlled": 8])])
    }

    @Test func subscribeResolverErrorIsASingleErrorsResult() async throws {
        let outcome = try await testExecutor(context: String.self)
            .execute(OperationRequest(query: "subscription { failingSubscribe }"), context: "")
        // GraphQLSwift reports "The operation could not be completed. (…)" without location or
        // path; the executor words and locates it as graphql-js does.
        #expect(
            try outcome.singleResult() == [
                "errors": [
                    [
                        "message": "cannot subscribe", "locations": [["line": 1, "column": 16]],
                        "path": ["failingSubscribe"],
                    ]
                ]
            ]
        )
    }

    @Test func resolverErrorInOneEventKeepsTheStreamGoing() async throws {
        let source = ControlledSource()
        let outcome = try await testExecutor(context: ControlledSource.self)
            .execute(OperationRequest(query: "subscription { oddFails }"), context: source)
        let stream = try outcome.resultStream()
        source.send(2)
        source.send(3)
        source.send(4)
        source.finish()
        let results = try await collect(stream)
        #expect(results.count == 3)
        guard results.count == 3 else { return }
        #expect(results[0] == dataResult(["oddFails": 2]))
        #expect(
            results[1] == [
                "data": ["oddFails": nil],
                "errors": [["message": "odd event", "locations": [["line": 1, "column": 16]], "path": ["oddFails"]]],
            ]
        )
        #expect(results[2] == dataResult(["oddFails": 4]))
    }
}
