import GraphQL
import SubscriptionsTransportWS

/// The results of a GraphQLSwift subscription, each encoded as it is pulled.
///
/// A plain wrapper rather than a new stream with its own task: pulling drives GraphQLSwift's
/// stream directly, so cancelling the consuming task cancels GraphQLSwift's `next()`, whose
/// termination handler cancels the task that iterates the source.
struct GraphQLResultSequence: AsyncSequence, Sendable {
    typealias Element = ExecutionResult
    typealias Failure = any Error

    let results: AsyncThrowingStream<GraphQLResult, any Error>

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: results.makeAsyncIterator())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<GraphQLResult, any Error>.AsyncIterator

        mutating func next() async throws -> ExecutionResult? {
            try await base.next().map(ExecutionResult.init)
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> ExecutionResult? {
            try await base.next(isolation: actor).map(ExecutionResult.init)
        }
    }
}
