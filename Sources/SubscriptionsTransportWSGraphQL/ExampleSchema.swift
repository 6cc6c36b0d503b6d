import GraphQL

/// A small schema for the demo server, examples and tests.
///
/// ```graphql
/// type Query {
///   hello(name: String = "world"): String!
///   add(a: Int!, b: Int!): Int!
/// }
///
/// type Mutation {
///   echo(text: String!): String!
/// }
///
/// type Subscription {
///   counter(n: Int! = 5, delayMs: Int! = 0): Int!
/// }
/// ```
///
/// - `hello` answers `"Hello <name>"`.
/// - `add` answers `a + b`.
/// - `echo` answers `text`.
/// - `counter` sends `0, 1, …, n-1`, waiting `delayMs` milliseconds before each value after the
///   first, then completes. The wait is cancellation-aware, so cancelling the consuming task stops
///   the counter at once.
///
/// The resolvers ignore the context and the root value, so the schema works with any connection
/// context.
public enum ExampleSchema {
    /// Builds the schema, optionally with more fields and types.
    ///
    /// The extra fields are added after the example's own fields of the same root type (a field with
    /// the name of an example field replaces it); extra types are types reachable only through
    /// interfaces or unions, as for `GraphQLSchema(types:)`.
    ///
    /// - Parameters:
    ///   - queryFields: More fields of `Query`.
    ///   - mutationFields: More fields of `Mutation`.
    ///   - subscriptionFields: More fields of `Subscription`.
    ///   - types: More named types for the schema.
    /// - Returns: The schema.
    /// - Throws: GraphQLSwift's error when the result is not a valid schema definition (for example
    ///   an invalid field name).
    public static func make(
        queryFields: KeyValuePairs<String, GraphQLField> = [:],
        mutationFields: KeyValuePairs<String, GraphQLField> = [:],
        subscriptionFields: KeyValuePairs<String, GraphQLField> = [:],
        types: [GraphQLNamedType] = []
    ) throws -> GraphQLSchema {
        try GraphQLSchema(
            query: GraphQLObjectType(name: "Query", fields: adding(queryFields, to: self.queryFields)),
            mutation: GraphQLObjectType(name: "Mutation", fields: adding(mutationFields, to: self.mutationFields)),
            subscription: GraphQLObjectType(
                name: "Subscription",
                fields: adding(subscriptionFields, to: self.subscriptionFields)
            ),
            types: types
        )
    }

    private static func adding(
        _ extra: KeyValuePairs<String, GraphQLField>,
        to fields: GraphQLFieldMap
    )
        -> GraphQLFieldMap
    {
        var fields = fields
        for (name, field) in extra {
            fields[name] = field
        }
        return fields
    }

    private static var queryFields: GraphQLFieldMap {
        [
            "hello": GraphQLField(
                type: GraphQLNonNull(GraphQLString),
                description: "A greeting: \"Hello <name>\".",
                args: ["name": GraphQLArgument(type: GraphQLString, defaultValue: "world")],
                resolve: { _, arguments, _, _ in
                    "Hello \(arguments["name"].string ?? "world")"
                }
            ),
            "add": GraphQLField(
                type: GraphQLNonNull(GraphQLInt),
                description: "The sum a + b.",
                args: [
                    "a": GraphQLArgument(type: GraphQLNonNull(GraphQLInt)),
                    "b": GraphQLArgument(type: GraphQLNonNull(GraphQLInt)),
                ],
                resolve: { _, arguments, _, _ in
                    try arguments["a"].intValue() + arguments["b"].intValue()
                }
            ),
        ]
    }

    private static var mutationFields: GraphQLFieldMap {
        [
            "echo": GraphQLField(
                type: GraphQLNonNull(GraphQLString),
                description: "Answers its text.",
                args: ["text": GraphQLArgument(type: GraphQLNonNull(GraphQLString))],
                resolve: { _, arguments, _, _ in
                    try arguments["text"].stringValue()
                }
            )
        ]
    }

    private static var subscriptionFields: GraphQLFieldMap {
        [
            "counter": GraphQLField(
                type: GraphQLNonNull(GraphQLInt),
                description: "Counts 0, 1, …, n-1, waiting delayMs milliseconds before each value after the first, then completes.",
                args: [
                    "n": GraphQLArgument(type: GraphQLNonNull(GraphQLInt), defaultValue: 5),
                    "delayMs": GraphQLArgument(type: GraphQLNonNull(GraphQLInt), defaultValue: 0),
                ],
                // Each event is the root value of its execution: the counter's value.
                resolve: { source, _, _, _ in source },
                subscribe: { _, arguments, _, _ in
                    Counter(
                        count: try arguments["n"].intValue(),
                        delay: .milliseconds(try arguments["delayMs"].intValue())
                    )
                }
            )
        ]
    }
}
