import GraphQL
import SubscriptionsTransportWS

/// The results of a planned subscription: each event of the source stream executed with the plan,
/// in the consuming task, as it is pulled.
///
/// GraphQLSwift 4.3.0 iterates the source in a task of its own and hands each result over through
/// an `AsyncThrowingStream`, a thread switch per event; here pulling a result pulls the source
/// directly. As in GraphQLSwift, a source that throws `CancellationError`, or a cancelled consumer,
/// ends the stream normally; any other error from the source ends it with that error.
struct PlannedEventSequence: AsyncSequence, Sendable {
    typealias Element = ExecutionResult
    typealias Failure = any Error

    let source: any AsyncSequence & Sendable
    let plan: ExecutionPlan
    let context: any Sendable

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source.makeAsyncIterator(), plan: plan, context: context)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var source: any AsyncIteratorProtocol
        let plan: ExecutionPlan
        let context: any Sendable

        mutating func next() async throws -> ExecutionResult? {
            try await next(isolation: nil)
        }

        /// Runs where the consumer runs, so pulling a result costs no executor switch.
        mutating func next(isolation actor: isolated (any Actor)?) async throws -> ExecutionResult? {
            let event: Any?
            do {
                event = try await source.next(isolation: actor)
            } catch is CancellationError {
                return nil
            }
            guard let event, !Task.isCancelled else { return nil }
            return ExecutionResult(encodedJSON: await plan.execute(rootValue: assumeSendable(event), context: context))
        }
    }
}
