import DequeModule
import SubscriptionsTransportWS
import Synchronization

/// The bounded queue between a shared execution and one of its subscribers.
///
/// The pump offers each result without waiting; a subscriber whose queue is full is ended with the
/// error `Subscriber too slow` after the results it has, so one slow client never holds up the
/// others, and none is buffered for without bound.
final class SharedResultBuffer: Sendable {
    private struct State {
        var results: Deque<ExecutionResult> = []
        var waiter: CheckedContinuation<Result<ExecutionResult?, any Error>, Never>?
        /// Set once; reported after the queued results. `nil` inside: a normal end.
        var ending: (any Error)??
        /// The subscriber has gone: nothing more is queued.
        var closed = false
        var onClose: (@Sendable () -> Void)?
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Sets what to run once when the subscriber goes away; runs it now if it already has.
    func setOnClose(_ onClose: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.closed { return true }
            state.onClose = onClose
            return false
        }
        if runNow { onClose() }
    }

    /// Offers a result without waiting.
    ///
    /// - Returns: `false` if the subscriber is over (it overflowed now or before, or left).
    func offer(_ result: ExecutionResult) -> Bool {
        let (waiter, open) = state.withLock { state -> (CheckedContinuation<Result<ExecutionResult?, any Error>, Never>?, Bool) in
            if state.closed || state.ending != nil { return (nil, false) }
            if let waiter = state.waiter.take() { return (waiter, true) }
            guard state.results.count < capacity else {
                state.ending = .some(GraphQLFormattedError(message: "Subscriber too slow"))
                return (nil, false)
            }
            state.results.append(result)
            return (nil, true)
        }
        waiter?.resume(returning: .success(result))
        return open
    }

    /// Ends the results after the queued ones: normally when `error` is `nil`.
    func finish(_ error: (any Error)?) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<ExecutionResult?, any Error>, Never>? in
            if state.closed || state.ending != nil { return nil }
            state.ending = .some(error)
            return state.waiter.take()
        }
        waiter?.resume(returning: error.map { .failure($0) } ?? .success(nil))
    }

    /// The subscriber is gone: drop what is queued, wake a pending ``next()``, run the close hook.
    func close() {
        let (waiter, onClose) = state.withLock { state in
            if state.closed { return (CheckedContinuation<Result<ExecutionResult?, any Error>, Never>?.none, (@Sendable () -> Void)?.none) }
            state.closed = true
            state.results.removeAll()
            return (state.waiter.take(), state.onClose.take())
        }
        waiter?.resume(returning: .success(nil))
        onClose?()
    }

    /// The next result, or `nil` at the end; waits while none is queued. Cancelling the waiting
    /// task closes the buffer.
    ///
    /// - Throws: The error the results ended with.
    func next() async throws -> ExecutionResult? {
        if Task.isCancelled {
            close()
            return nil
        }
        if let ready = state.withLock({ Self.takeReady(&$0) }) { return try ready.get() }
        return try await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<ExecutionResult?, any Error>, Never>) in
                let ready = state.withLock { state -> Result<ExecutionResult?, any Error>? in
                    if let ready = Self.takeReady(&state) { return ready }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }.get()
    }

    private static func takeReady(_ state: inout State) -> Result<ExecutionResult?, any Error>? {
        if state.closed { return .success(nil) }
        if let result = state.results.popFirst() { return .success(result) }
        guard let ending = state.ending else { return nil }
        // Report an error once; afterwards the results simply end.
        state.ending = .some(nil)
        return ending.map { .failure($0) } ?? .success(nil)
    }
}
