import DequeModule
import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// One subscriber of a shared execution: the way each result reaches it.
///
/// A connection that takes pushed results (``SubscriptionsTransportWS/PushedResults``) registers its
/// sink: each result the pump offers is framed and queued on that connection at once, from the
/// pump's task, with no task of the subscriber's woken. A consumer that iterates instead gets a
/// bounded queue. Either way the pump never waits: a subscriber whose queue is full, or whose
/// connection is over its outbound budget, is ended with the error `Subscriber too slow` (after the
/// results it has), so one slow client never holds up the others and none is buffered for without
/// bound.
final class SharedResultBuffer: Sendable {
    private struct State {
        var results: Deque<ExecutionResult> = []
        /// Set when the waiting consumer has something to take.
        var waiter: OneShot<Void>?
        /// Set once; reported after the queued results. `nil` inside: a normal end.
        var ending: (any Error)??
        /// The subscriber has gone: nothing more is queued.
        var closed = false
        var onClose: (@Sendable () -> Void)?
        /// Run once the sink takes over, so the pump can deliver by connection.
        var onPushed: (@Sendable () -> Void)?
        /// Where results go when the subscriber takes them pushed.
        var sink: ResultSink?
    }

    let capacity: Int
    private let state = Lock(State())
    /// Set when the subscriber's results end, for a subscriber that takes them pushed.
    private let ended = OneShot<(any Error)?>()

    private static let tooSlow = GraphQLFormattedError(message: "Subscriber too slow")

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

    /// Sets what to run once the subscriber's sink takes its results (so that the pump can deliver
    /// them by connection from then on).
    func setOnPushed(_ onPushed: @escaping @Sendable () -> Void) {
        state.withLock { $0.onPushed = onPushed }
    }

    /// The connection and run that take this subscriber's results in batches, while its sink does
    /// and it is not over.
    var batch: (target: any ResultBatchTarget, run: UInt64)? {
        state.withLock { state in
            state.closed || state.ending != nil ? nil : state.sink?.batch
        }
    }

    /// Ends a subscriber whose connection refused a result because its client reads too slowly.
    func endTooSlow() {
        finish(Self.tooSlow)
    }

    /// Offers a result without waiting: queues it, or sends it to the subscriber's sink (without
    /// flushing), or ends a subscriber that cannot take it.
    ///
    /// - Returns: The sink the result was sent to, which the caller flushes once it offered the
    ///   result to every subscriber; `nil` when it was queued or the subscriber is over.
    func offer(_ result: ExecutionResult) -> ResultSink? {
        let (waiter, sink) = state.withLock { state -> (OneShot<Void>?, ResultSink?) in
            if state.closed || state.ending != nil { return (nil, nil) }
            if let sink = state.sink { return (nil, sink) }
            if state.results.count < capacity {
                state.results.append(result)
            } else {
                state.ending = .some(Self.tooSlow)
            }
            return (state.waiter.take(), nil)
        }
        waiter?.fulfill(())
        guard let sink else { return nil }
        switch sink.send(result) {
        case .delivered:
            return sink
        case .operationEnded:
            close()
            return nil
        case .clientTooSlow:
            finish(Self.tooSlow)
            return nil
        }
    }

    /// Takes the results pushed to `sink` from now on, until they end.
    ///
    /// - Throws: The error the results ended with.
    func push(to sink: ResultSink) async throws {
        // Results queued before the sink came go first; the sink takes over once the queue is empty,
        // so the order holds.
        while true {
            let (queued, onPushed) = state.withLock { state -> ([ExecutionResult]?, (@Sendable () -> Void)?) in
                guard !state.results.isEmpty else {
                    guard !state.closed, state.ending == nil else { return (nil, nil) }
                    state.sink = sink
                    return (nil, state.onPushed.take())
                }
                defer { state.results.removeAll() }
                return (Array(state.results), nil)
            }
            onPushed?()
            guard let queued else { break }
            for result in queued where sink.send(result) != .delivered {
                close()
                return
            }
            sink.flush()
        }
        if state.withLock({ $0.sink == nil }) {
            // Ended before the sink came.
            if let result = try await next() {
                _ = sink.send(result)
                sink.flush()
            }
            return
        }
        let error = await withTaskCancellationHandler {
            await ended.wait()
        } onCancel: {
            close()
        }
        if let error { throw error }
    }

    /// Ends the results after the queued ones: normally when `error` is `nil`.
    func finish(_ error: (any Error)?) {
        let waiter = state.withLock { state -> OneShot<Void>? in
            if state.closed || state.ending != nil { return nil }
            state.ending = .some(error)
            return state.waiter.take()
        }
        waiter?.fulfill(())
        ended.fulfill(error)
    }

    /// The subscriber is gone: drop what is queued, wake a pending ``next()``, run the close hook.
    func close() {
        let (waiter, onClose) = state.withLock { state -> (OneShot<Void>?, (@Sendable () -> Void)?) in
            if state.closed { return (nil, nil) }
            state.closed = true
            state.results.removeAll()
            return (state.waiter.take(), state.onClose.take())
        }
        waiter?.fulfill(())
        ended.fulfill(nil)
        onClose?()
    }

    /// The next result, or `nil` at the end; waits while none is queued. Cancelling the waiting
    /// task closes the buffer.
    ///
    /// - Throws: The error the results ended with.
    func next() async throws -> ExecutionResult? {
        if let ready = await takeOrWait(state, take: Self.takeReady, park: { $0.waiter = $1 }) { return try ready.get() }
        close()
        return nil
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
