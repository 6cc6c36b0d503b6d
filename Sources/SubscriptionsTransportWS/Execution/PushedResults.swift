/// Results that an executor pushes to the connection as they are produced, instead of a task pulling
/// them one by one.
///
/// One execution shared by many subscribers (a chat room with ten thousand listeners) produces each
/// result once; pulling it would wake every subscriber's task for every event. A stream that conforms
/// to this protocol is handed a ``ResultSink`` instead: each ``ResultSink/send(_:)`` frames the result
/// for its operation and queues it on the connection, synchronously, from the producer's task.
///
/// The connection still iterates streams that do not conform, as any `AsyncSequence`.
public protocol PushedResults: AsyncSequence<ExecutionResult, any Error>, Sendable {
    /// Sends every result to `sink` until the results end (return), fail (throw), the sink refuses
    /// more, or the calling task is cancelled (return).
    ///
    /// - Parameter sink: Where the operation's results go.
    /// - Throws: The error the results failed with; it is reported for the operation as a stream
    ///   that failed.
    func push(to sink: ResultSink) async throws
}

/// Where an operation's pushed results go: the connection's outbound queue, framed for the operation.
///
/// Sending queues; flushing hands what was queued to the connection's transport. A producer serving
/// many sinks sends one result to each and then flushes each: the transports then write together,
/// one write per connection, instead of being woken one frame at a time.
public struct ResultSink: Sendable {
    private let deliver: @Sendable (ExecutionResult) -> ResultDelivery
    private let wake: @Sendable () -> Void

    /// Identifies the connection the sink queues on: flushing one of its sinks hands the results of
    /// all its operations to the transport, so a producer flushes each connection once.
    public let connection: ObjectIdentifier

    /// The connection and the operation's run, when the connection takes one result for several of
    /// its operations at once (it has no per-result hook): a producer serving many of them groups
    /// them by connection instead of sending to each sink.
    package let batch: (target: any ResultBatchTarget, run: UInt64)?

    /// Creates a sink; the connection makes one per operation.
    ///
    /// - Parameters:
    ///   - connection: Identifies the connection; sinks of one connection share it.
    ///   - deliver: Queues one result and says what became of it.
    ///   - flush: Hands the queued results of the connection to its transport.
    public init(
        connection: ObjectIdentifier,
        deliver: @escaping @Sendable (ExecutionResult) -> ResultDelivery,
        flush: @escaping @Sendable () -> Void
    ) {
        self.init(connection: connection, deliver: deliver, flush: flush, batch: nil)
    }

    package init(
        connection: ObjectIdentifier,
        deliver: @escaping @Sendable (ExecutionResult) -> ResultDelivery,
        flush: @escaping @Sendable () -> Void,
        batch: (target: any ResultBatchTarget, run: UInt64)?
    ) {
        self.connection = connection
        self.deliver = deliver
        self.wake = flush
        self.batch = batch
    }

    /// Queues one result for the client without waiting. Nothing is written before ``flush()``.
    ///
    /// - Parameter result: The result.
    /// - Returns: What became of it; after anything but ``ResultDelivery/delivered``, send no more.
    public func send(_ result: ExecutionResult) -> ResultDelivery {
        deliver(result)
    }

    /// Hands the results queued so far on the connection (by any of its operations) to its transport.
    public func flush() {
        wake()
    }
}

/// What became of a result sent to a ``ResultSink``.
public enum ResultDelivery: Sendable, Hashable {
    /// It is queued for the client.
    case delivered
    /// The operation is over (stopped by the client, or the connection closed): it was dropped.
    case operationEnded
    /// The connection has more bytes waiting for the client than its outbound budget: the client
    /// reads too slowly to keep up, and the result was dropped. The producer should end the
    /// operation with an error (it cannot wait for this one client without holding up the others).
    case clientTooSlow
}

/// A connection that queues one result for several of its operations under one lock: what a shared
/// execution serving thousands of subscribers calls once per connection rather than once per
/// subscriber.
package protocol ResultBatchTarget: AnyObject, Sendable {
    /// Queues the frame of `result` for each run in `runs` without waking the transport.
    ///
    /// - Parameters:
    ///   - result: The result, the same for every run.
    ///   - runs: The operations' runs.
    ///   - refused: Gets the position in `runs` and the outcome of every run that did not take it;
    ///     those take no more results.
    func queue(_ result: ExecutionResult, forRuns runs: [UInt64], refused: inout [(index: Int, delivery: ResultDelivery)])

    /// Hands what was queued to the transport.
    func wakeTransport()
}
