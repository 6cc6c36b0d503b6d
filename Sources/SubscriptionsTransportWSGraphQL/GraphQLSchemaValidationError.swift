import SubscriptionsTransportWS

/// The schema given to ``GraphQLSwiftExecutor`` is not a valid GraphQL schema.
public struct GraphQLSchemaValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the schema; never empty.
    public var errors: [GraphQLFormattedError]

    /// Creates the error.
    ///
    /// - Parameter errors: What is wrong with the schema.
    public init(errors: [GraphQLFormattedError]) {
        self.errors = errors
    }

    /// The schema errors' messages, for logs.
    public var description: String {
        "Invalid GraphQL schema: " + errors.map(\.message).joined(separator: "; ")
    }
}
