import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Context")
struct ContextTests {
    @Test func connectionContextReachesResolversByDefault() async throws {
        let outcome = try await testExecutor(context: String.self).execute(
            OperationRequest(query: "{ whoami }"),
            context: "alice"
        )
        #expect(try outcome.singleResult() == dataResult(["whoami": "alice"]))
    }

    @Test func resolverContextIsMadeFromTheConnectionContextAndRequest() async throws {
        let executor = try GraphQLSwiftExecutor<Int>(schema: makeTestSchema()) { userID, request in
            "user \(userID) running \(request.operationName ?? "anonymous")"
        }
        let outcome = try await executor.execute(OperationRequest(query: "query Me { whoami }", operationName: "Me"), context: 7)
        #expect(try outcome.singleResult() == dataResult(["whoami": "user 7 running Me"]))
    }

    @Test func resolverContextReachesSubscriptionResolvers() async throws {
        let source = ControlledSource()
        let executor = try GraphQLSwiftExecutor<String>(schema: makeTestSchema()) { _, _ in source }
        let outcome = try await executor.execute(OperationRequest(query: "subscription { controlled }"), context: "ignored")
        let stream = try outcome.resultStream()
        source.send(5)
        source.finish()
        #expect(try await collect(stream) == [dataResult(["controlled": 5])])
    }

    @Test func resolverContextErrorPropagatesUnchanged() async throws {
        struct Refused: Error, Equatable {}
        let executor = try GraphQLSwiftExecutor<String>(schema: makeTestSchema()) { _, _ in throw Refused() }
        await #expect(throws: Refused()) {
            try await executor.execute(OperationRequest(query: "{ hello }"), context: "")
        }
    }

    @Test func rootValueReachesRootResolvers() async throws {
        let executor = try GraphQLSwiftExecutor<String>(
            schema: ExampleSchema.make(
                queryFields: ["root": GraphQLField(type: GraphQLString) { source, _, _, _ in source as? String }]
            ),
            rootValue: "the root"
        )
        let outcome = try await executor.execute(OperationRequest(query: "{ root }"), context: "")
        #expect(try outcome.singleResult() == dataResult(["root": "the root"]))
    }
}
