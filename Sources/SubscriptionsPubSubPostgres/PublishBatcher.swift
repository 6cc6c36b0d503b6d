import Logging
import PostgresNIO
import SubscriptionsConcurrency
import SubscriptionsPubSub

/// Group commit: the events that callers publish concurrently are stored together, in one
/// transaction with one `NOTIFY`.
///
/// ``submit(topic:payload:)`` queues an event and waits. One committer task (``run()``, started by
/// ``PostgresPubSub/run()``) takes what is queued, at most ``PostgresPubSubSchema/publishBatchLimit``
/// events and ``PostgresPubSubSchema/publishBatchByteBudget`` bytes (always at least one event),
/// stores it with one call of `<prefix>_publish_batch`, and hands each waiting caller its own
/// sequence number. While one batch is in flight the next one gathers, so the commit rate of the
/// database bounds batches per second, not events per second; a lone publish is sent at once.
///
/// What callers see:
/// - A caller cancelled while its event is still queued gets `CancellationError`, and the event
///   is never sent. Once its batch has been sent, the caller waits for the answer like the others.
/// - A failed batch fails every publish in it with the error: the events may or may not have been
///   stored, as with any publish that throws. When the server refuses the batch's data instead
///   (SQLSTATE classes 22, 23, 54: nothing was stored), the events are sent again one by one, so
///   that an event the database cannot hold (a topic with a NUL character) fails alone.
/// - Each batch is bounded by the query timeout like every database wait; an event that waited in
///   the queue longer than that (behind a batch the database did not answer) fails unsent.
/// - When the committer stops, queued events fail with `PubSubError.shutDown` without being sent,
///   and so does every later submission.
final class PublishBatcher: Sendable {
    private struct Pending {
        let id: Int
        let topic: String
        let payload: ByteBuffer
        let queuedAt: ContinuousClock.Instant
        /// Set once: the event's sequence number, or why it failed.
        let outcome: OneShot<Result<Int64, any Error>>

        var size: Int { self.topic.utf8.count + self.payload.readableBytes }
    }

    private struct State {
        var queue: [Pending] = []
        var nextID = 0
        /// Events in the batch being stored.
        var inFlight = 0
        var closed = false
    }

    private let state = Lock(State())
    private let doorbell = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    private let schema: PostgresPubSubSchema
    private let client: PostgresClient
    private let queryTimeout: Duration
    private let logger: Logger

    init(schema: PostgresPubSubSchema, client: PostgresClient, queryTimeout: Duration, logger: Logger) {
        self.schema = schema
        self.client = client
        self.queryTimeout = queryTimeout
        self.logger = logger
    }

    /// Events waiting for a batch, and events in the batch being stored; for tests.
    var depth: (queued: Int, inFlight: Int) {
        self.state.withLock { ($0.queue.count, $0.inFlight) }
    }

    /// Queues an event and returns its sequence number once its batch has committed.
    ///
    /// - Throws: `CancellationError` if cancelled while queued (the event is not stored),
    ///   `PubSubError.shutDown` if the committer has stopped or stops first (not stored), or the
    ///   error of its batch (the event may or may not have been stored).
    func submit(topic: String, payload: ByteBuffer) async throws -> Int64 {
        let outcome = OneShot<Result<Int64, any Error>>()
        let id = try self.state.withLock { state -> Int in
            if state.closed { throw PubSubError.shutDown }
            if Task.isCancelled { throw CancellationError() }
            let id = state.nextID
            state.nextID += 1
            state.queue.append(Pending(id: id, topic: topic, payload: payload, queuedAt: .now, outcome: outcome))
            return id
        }
        self.doorbell.continuation.yield()
        if let result = await outcome.waitUnlessCancelled() { return try result.get() }
        // Cancelled: only an event still in the queue can be withdrawn; one in a batch has been
        // sent, and its caller waits for the answer like the others.
        let withdrawn = self.state.withLock { state -> Bool in
            guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return false }
            state.queue.remove(at: index)
            return true
        }
        if withdrawn { throw CancellationError() }
        return try await outcome.wait().get()
    }

    /// Stores batches until the task is cancelled, then refuses what is queued and what comes.
    func run() async {
        for await _ in self.doorbell.stream {
            while !Task.isCancelled, let next = self.take() {
                for pending in next.expired {
                    pending.outcome.fulfill(.failure(DatabaseWatch.Unresponsive(timeout: self.queryTimeout)))
                }
                if !next.batch.isEmpty {
                    await self.store(next.batch)
                }
                self.state.withLock { $0.inFlight = 0 }
            }
            if Task.isCancelled { break }
        }
        let left = self.state.withLock { state -> [Pending] in
            state.closed = true
            defer { state.queue = [] }
            return state.queue
        }
        for pending in left {
            pending.outcome.fulfill(.failure(PubSubError.shutDown))
        }
    }

    /// The next batch from the head of the queue, and the events that waited too long to send.
    private func take() -> (batch: [Pending], expired: [Pending])? {
        let now = ContinuousClock.now
        return self.state.withLock { state -> ([Pending], [Pending])? in
            guard !state.queue.isEmpty else { return nil }
            var batch: [Pending] = []
            var expired: [Pending] = []
            var bytes = 0
            var taken = 0
            for pending in state.queue {
                if now - pending.queuedAt > self.queryTimeout {
                    expired.append(pending)
                } else {
                    if !batch.isEmpty
                        && (batch.count == PostgresPubSubSchema.publishBatchLimit
                            || bytes + pending.size > PostgresPubSubSchema.publishBatchByteBudget)
                    {
                        break
                    }
                    batch.append(pending)
                    bytes += pending.size
                }
                taken += 1
            }
            state.queue.removeFirst(taken)
            state.inFlight = batch.count
            return (batch, expired)
        }
    }

    /// Stores `batch` and resumes each of its callers.
    private func store(_ batch: [Pending]) async {
        do {
            let sequences = try await self.send(batch)
            for (pending, sequence) in zip(batch, sequences) {
                pending.outcome.fulfill(.success(sequence))
            }
        } catch {
            if batch.count > 1, Self.refusedData(error), !Task.isCancelled {
                // Nothing was stored: the server refused the statement. One by one, a bad event
                // fails alone.
                self.logger.debug(
                    "pub/sub publish batch refused; storing its events one by one",
                    metadata: ["error": "\(String(reflecting: error))", "events": "\(batch.count)"]
                )
                for pending in batch {
                    await self.store([pending])
                }
                return
            }
            let reported: any Error
            if Task.isCancelled {
                // The engine is stopping: its connections close under the batch.
                reported = PubSubError(
                    code: .shutDown,
                    message: "the pub/sub engine stopped while the event was being stored; it may or may not have been stored"
                )
            } else {
                reported = error
            }
            for pending in batch {
                pending.outcome.fulfill(.failure(reported))
            }
        }
    }

    private func send(_ batch: [Pending]) async throws -> [Int64] {
        let query = self.schema.publishBatch(topics: batch.map(\.topic), payloads: batch.map(\.payload))
        let (client, logger, function, count) = (self.client, self.logger, self.schema.publishBatchFunction, batch.count)
        // Bounded like every database wait of the engine: a batch must not hang on a lease or a
        // connection that a server restart left in limbo.
        return try await DatabaseWatch.withWatch(timeout: self.queryTimeout, logger: logger) { watch in
            watch.begin()
            return try await client.withConnection { connection in
                watch.attach(connection)
                var sequences: [Int64] = []
                for row in try await connection.rows(query, logger: logger) {
                    sequences = try row.decode([Int64].self)
                }
                guard sequences.count == count else {
                    throw PubSubError(
                        code: .invalidConfiguration,
                        message: "\(function) returned \(sequences.count) sequence numbers for \(count) events"
                    )
                }
                return sequences
            }
        }
    }

    /// Whether the server refused the statement for its data, so that nothing was stored.
    private static func refusedData(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server,
            let state = error.serverInfo?[.sqlState]
        else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23") || state.hasPrefix("54")
    }
}
