import GraphQL
import SubscriptionsTransportWSGraphQL

/// An error a resolver throws.
struct ResolverFailure: Error, CustomStringConvertible {
    var description: String
}

/// A subscription source the test drives by hand, which records that it was terminated.
///
/// Tests wait for `terminated` rather than for time to pass, so they are not timing-dependent.
final class ControlledSource: Sendable {
    let events: AsyncStream<Int>
    private let eventsContinuation: AsyncStream<Int>.Continuation
    /// Produces one element when the source's consumer went away.
    let terminated: AsyncStream<Void>

    init() {
        let (terminated, terminatedContinuation) = AsyncStream<Void>.makeStream()
        self.terminated = terminated
        (events, eventsContinuation) = AsyncStream<Int>.makeStream()
        eventsContinuation.onTermination = { _ in
            terminatedContinuation.yield()
            terminatedContinuation.finish()
        }
    }

    /// Sends one event.
    func send(_ value: Int) {
        eventsContinuation.yield(value)
    }

    /// Ends the source.
    func finish() {
        eventsContinuation.finish()
    }
}

/// The example schema plus fields that fail, read the context, or use a ``ControlledSource``.
///
/// - `boom: String` throws ``ResolverFailure``; `boomNonNull: String!` too.
/// - `graphQLBoom: String` throws a `GraphQLError` with extensions.
/// - `whoami: String` answers the resolver context when it is a `String`.
/// - `controlled: Int` streams the events of the ``ControlledSource`` found in the context.
/// - `failingSubscribe: Int` has a `subscribe` resolver that throws.
/// - `oddFails: Int` streams the controlled source's events and fails to resolve odd ones.
func makeTestSchema() throws -> GraphQLSchema {
    try ExampleSchema.make(
        queryFields: [
            "boom": GraphQLField(type: GraphQLString) { _, _, _, _ in
                throw ResolverFailure(description: "boom failed")
            },
            "boomNonNull": GraphQLField(type: GraphQLNonNull(GraphQLString)) { _, _, _, _ in
                throw ResolverFailure(description: "boomNonNull failed")
            },
            "graphQLBoom": GraphQLField(type: GraphQLString) { _, _, _, _ in
                throw GraphQLError(message: "graphQLBoom failed", extensions: ["code": "TEAPOT", "retry": 3])
            },
            "whoami": GraphQLField(type: GraphQLString) { _, _, context, _ in
                context as? String
            },
        ],
        subscriptionFields: [
            "controlled": GraphQLField(
                type: GraphQLInt,
                resolve: { source, _, _, _ in source },
                subscribe: { _, _, context, _ in
                    guard let source = context as? ControlledSource else {
                        throw ResolverFailure(description: "no controlled source in the context")
                    }
                    return source.events
                }
            ),
            "failingSubscribe": GraphQLField(
                type: GraphQLInt,
                resolve: { source, _, _, _ in source },
                subscribe: { _, _, _, _ in
                    throw ResolverFailure(description: "cannot subscribe")
                }
            ),
            "oddFails": GraphQLField(
                type: GraphQLInt,
                resolve: { source, _, _, _ in
                    guard let value = source as? Int, value % 2 == 0 else {
                        throw ResolverFailure(description: "odd event")
                    }
                    return value
                },
                subscribe: { _, _, context, _ in
                    guard let source = context as? ControlledSource else {
                        throw ResolverFailure(description: "no controlled source in the context")
                    }
                    return source.events
                }
            ),
        ]
    )
}

/// An executor over ``makeTestSchema()`` that passes the connection context to resolvers.
func testExecutor<Context: Sendable>(context: Context.Type = Context.self) throws -> GraphQLSwiftExecutor<Context> {
    try GraphQLSwiftExecutor<Context>(schema: makeTestSchema())
}
