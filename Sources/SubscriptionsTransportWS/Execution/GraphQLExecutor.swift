/// Runs GraphQL operations for a protocol server.
///
/// The server calls ``execute(_:context:)`` once per operation a client starts. How failures are
/// reported decides how each protocol encodes them:
/// - a request the GraphQL engine rejects before running it because the document is invalid
///   (validation errors, an operation name that matches no operation) is returned as
///   ``ExecutionOutcome/rejected(_:)``;
/// - a request that cannot be parsed is thrown as ``GraphQLRequestError``;
/// - anything else thrown is an unexpected executor failure;
/// - a stream that fails after it started throws from its iterator.
public protocol GraphQLExecutor<Context>: Sendable {
    /// What the connection hook produced for the connection; resolvers see it.
    associatedtype Context: Sendable

    /// Prepares and starts one operation.
    ///
    /// - Parameters:
    ///   - request: The operation as the client sent it (after the `onOperation` hook, if any).
    ///   - context: The connection's context.
    /// - Returns: A single result, a stream of results, or the errors that rejected the request.
    /// - Throws: ``GraphQLRequestError`` for a document that cannot be parsed; any other error
    ///   when the executor fails unexpectedly.
    func execute(_ request: OperationRequest, context: Context) async throws -> ExecutionOutcome
}

/// What an executor produced for one operation.
public enum ExecutionOutcome: Sendable {
    /// One result: queries and mutations.
    case single(ExecutionResult)
    /// A sequence of results: subscriptions (and live queries). Finishing ends the operation;
    /// throwing reports an error for it. Cancelling the consuming task must stop the source.
    case stream(any AsyncSequence<ExecutionResult, any Error> & Sendable)
    /// The request was rejected before execution (for example validation errors).
    case rejected([GraphQLFormattedError])
}

/// Errors that reject a request before execution, thrown by an executor (for example a syntax error).
public struct GraphQLRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors; never empty (the initializer guarantees it and the property cannot be changed).
    public let errors: [GraphQLFormattedError]

    /// Creates a request error.
    ///
    /// - Parameter errors: The errors; an empty list is replaced by one generic error.
    public init(_ errors: [GraphQLFormattedError]) {
        self.errors = errors.isEmpty ? [GraphQLFormattedError(message: "Invalid request")] : errors
    }

    /// A readable form, for logs and messages.
    public var description: String { errors.map(\.message).joined(separator: "; ") }
}
