import SubscriptionsTransportWS

/// The server ended an operation with an `error` message: the GraphQL errors it sent.
///
/// On `graphql-transport-ws` every failure before execution (a syntax or validation error, an unknown
/// operation name) arrives so. On `graphql-ws` a syntax error and a stream that failed mid-way arrive
/// so, while validation errors arrive as an ordinary result carrying `errors` (see
/// ``GraphQLResponse/errors``).
public struct GraphQLOperationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors, at least one.
    public var errors: [GraphQLFormattedError]

    /// Creates an error.
    ///
    /// - Parameter errors: The GraphQL errors the server sent.
    public init(errors: [GraphQLFormattedError]) {
        self.errors = errors
    }

    /// The error messages joined by `; `.
    public var description: String {
        errors.map(\.message).joined(separator: "; ")
    }
}
