import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Validation")
struct ValidationTests {
    private func rejection(_ query: String, operationName: String? = nil) async throws -> [GraphQLFormattedError] {
        try await exampleExecutor().execute(OperationRequest(query: query, operationName: operationName), context: "")
            .rejectedErrors()
    }

    @Test func unknownFieldIsRejectedWithMessageAndLocation() async throws {
        let errors = try await rejection("subscription { nope }")
        #expect(
            errors == [
                GraphQLFormattedError(
                    message: #"Cannot query field "nope" on type "Subscription"."#,
                    locations: [.init(line: 1, column: 16)]
                )
            ]
        )
    }

    @Test func missingRequiredArgumentIsRejected() async throws {
        let errors = try await rejection("{\n  add(a: 1)\n}")
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains(#"argument "b""#) == true)
        #expect(errors.first?.locations == [.init(line: 2, column: 3)])
    }

    @Test func everyValidationErrorIsReported() async throws {
        let errors = try await rejection("{ nope1 nope2 }")
        #expect(
            errors.map(\.message) == [
                #"Cannot query field "nope1" on type "Query"."#,
                #"Cannot query field "nope2" on type "Query"."#,
            ]
        )
    }

    @Test func anonymousSubscriptionWithTwoRootFieldsIsRejected() async throws {
        let errors = try await rejection("subscription { counter second: counter }")
        #expect(
            errors == [
                GraphQLFormattedError(
                    message: "Anonymous Subscription must select only one top level field.",
                    locations: [.init(line: 1, column: 24)]
                )
            ]
        )
    }

    @Test func namedSubscriptionWithRootFieldsFromAFragmentIsRejected() async throws {
        let errors = try await rejection(
            "subscription Ticks { ...Both }\nfragment Both on Subscription { a: counter b: counter c: counter }"
        )
        #expect(
            errors == [
                GraphQLFormattedError(
                    message: #"Subscription "Ticks" must select only one top level field."#,
                    locations: [.init(line: 2, column: 44), .init(line: 2, column: 55)]
                )
            ]
        )
    }

    @Test func sameResponseNameTwiceIsOneRootField() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription { counter(n: 1) ... on Subscription { counter(n: 1) } }"),
            context: ""
        )
        #expect(try await collect(try outcome.resultStream()) == [dataResult(["counter": 0])])
    }

    @Test func skippedSecondFieldIsNotCounted() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription { counter(n: 1) other: counter @skip(if: true) }"),
            context: ""
        )
        #expect(try await collect(try outcome.resultStream()) == [dataResult(["counter": 0])])
    }

    @Test func introspectionRootFieldOfASubscriptionIsRejected() async throws {
        let errors = try await rejection("subscription { __typename }")
        #expect(
            errors == [
                GraphQLFormattedError(
                    message: "Anonymous Subscription must not select an introspection top level field.",
                    locations: [.init(line: 1, column: 16)]
                )
            ]
        )
    }

    @Test func queriesMaySelectSeveralRootFields() async throws {
        let outcome = try await exampleExecutor().execute(OperationRequest(query: "{ hello add(a: 1, b: 1) }"), context: "")
        #expect(try outcome.singleResult() == dataResult(["hello": "Hello world", "add": 2]))
    }
}
