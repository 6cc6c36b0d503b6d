import Foundation
import Logging
import PostgresNIO
import SubscriptionsConcurrency
import SubscriptionsPubSub

/// The one task per engine that turns stored events into local deliveries.
///
/// It leases a connection, makes sure the schema exists, `LISTEN`s on the channel, and then
/// reads every event after the last one it delivered, each time a notification or the poll
/// timer wakes it. Because it `LISTEN`s before it reads, no event committed after a read can
/// slip by without a later wake-up. When the connection fails it waits (``PostgresPubSub/ReconnectBackoff``),
/// connects again and resumes from the same position, so subscribers get what was published
/// meanwhile, in order and once.
///
/// Only one task runs it at a time; its position sits in a `Lock` because its work runs in
/// child tasks (beside a ``DatabaseWatch``) and so must be `Sendable`.
final class EventListener: Sendable {
    private let schema: PostgresPubSubSchema
    private let configuration: PostgresPubSub.Configuration
    private let client: PostgresClient
    private let fanOut: PubSubFanOut
    private let gate: StartupGate
    private let logger: Logger

    private struct Position {
        /// The sequence of the last event handled (delivered, or skipped for want of
        /// subscribers); `nil` until the first connection sets the starting point.
        var lastSequence: Int64?
        /// Identity of the tables `lastSequence` refers to.
        var epoch: UUID?
        var schemaReady = false
    }

    private let position = Lock(Position())

    private var lastSequence: Int64? {
        get { self.position.withLock { $0.lastSequence } }
        set { self.position.withLock { $0.lastSequence = newValue } }
    }

    init(
        schema: PostgresPubSubSchema,
        configuration: PostgresPubSub.Configuration,
        client: PostgresClient,
        fanOut: PubSubFanOut,
        gate: StartupGate,
        logger: Logger
    ) {
        self.schema = schema
        self.configuration = configuration
        self.client = client
        self.fanOut = fanOut
        self.gate = gate
        self.logger = logger
    }

    /// Listens, and reconnects after every failure, until the task is cancelled.
    func run() async {
        let failures = Lock(0)
        while !Task.isCancelled {
            do {
                try await DatabaseWatch.withWatch(timeout: self.configuration.queryTimeout, logger: self.logger) { watch in
                    watch.begin()
                    try await self.client.withConnection { connection in
                        watch.attach(connection)
                        watch.end()
                        try await self.serve(connection, watch: watch) { failures.withLock { $0 = 0 } }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                // A connection closed on our side is either the engine shutting down (its tasks
                // are cancelled a moment later) or the watch, which has said why already.
                let closedHere = (error as? PSQLError)?.code == .clientClosedConnection
                self.logger.log(
                    level: closedHere ? .debug : .warning,
                    "pub/sub listener lost its connection",
                    metadata: ["error": "\(String(reflecting: error))", "lastSequence": "\(self.lastSequence ?? 0)"]
                )
            }
            let attempt = failures.withLock { failures in
                failures += 1
                return failures
            }
            do {
                try await Task.sleep(for: self.configuration.reconnectBackoff.delay(attempt: attempt))
            } catch {
                break
            }
        }
    }

    private nonisolated(nonsending) func serve(
        _ connection: PostgresConnection,
        watch: DatabaseWatch,
        connected: () -> Void
    ) async throws {
        // The connection is not returned to the pool: it still LISTENs, and after a failure
        // its state is unknown. The next attempt leases a fresh one.
        defer { _ = connection.close() as EventLoopFuture<Void> }
        if !self.position.withLock({ $0.schemaReady }) {
            try await watch.during { try await self.createSchema(connection) }
            self.position.withLock { $0.schemaReady = true }
        }

        // Notifications are only a doorbell; many during one catch-up need only one more.
        let (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // `addListener` rather than `listen(on:)`: the latter can wait forever when the
        // connection dies while LISTEN is being set up (postgres-nio 1.33.2). Either one stops the
        // process (a precondition in postgres-nio) when its listener reaches a connection that has
        // already closed, so it is added on the connection's event loop, only while it is open:
        // nothing can close it between the check and the write.
        let channel = self.schema.channel
        let listening = try await connection.eventLoop.submit {
            guard !connection.isClosed else { throw ConnectionClosedBeforeListen() }
            return connection.addListener(channel: channel) { _, _ in wake.yield() }
        }.get()
        defer { listening.stop() }

        // Queries on one connection run in order, so once this answers, LISTEN is in place and
        // no event committed after this read can pass without a notification.
        try await watch.during { try await self.findPosition(connection) }
        connected()
        self.gate.open()
        self.logger.debug("pub/sub listener ready", metadata: ["lastSequence": "\(self.lastSequence ?? 0)"])
        try await self.follow(connection, wakeUps: wakeUps, wake: wake, watch: watch)
    }

    private nonisolated(nonsending) func createSchema(_ connection: PostgresConnection) async throws {
        _ = try await connection.rows("BEGIN", logger: self.logger)
        do {
            for statement in self.schema.setupStatements {
                _ = try await connection.rows(statement, logger: self.logger)
            }
            _ = try await connection.rows("COMMIT", logger: self.logger)
        } catch {
            _ = try? await connection.rows("ROLLBACK", logger: self.logger)
            throw error
        }
    }

    private nonisolated(nonsending) func findPosition(_ connection: PostgresConnection) async throws {
        var found: (UUID, Int64)?
        for row in try await connection.rows(self.schema.position, logger: self.logger) {
            found = try row.decode((UUID, Int64).self, context: .default)
        }
        guard let (epoch, highest) = found else {
            throw PubSubError(code: .invalidConfiguration, message: "\(self.schema.retentionTable) has no row")
        }
        self.position.withLock { position in
            switch (position.lastSequence, position.epoch) {
            case (nil, _):
                // Subscriptions start now: nothing before this point is owed to anyone.
                position.lastSequence = highest
            case (.some, let known) where known != epoch:
                // The tables were dropped and made again while we were away: every event in
                // them is newer than anything delivered.
                self.logger.warning("pub/sub tables were recreated; delivering their events from the start")
                position.lastSequence = 0
            default:
                break
            }
            position.epoch = epoch
        }
    }

    /// Catches up whenever a notification or the poll timer rings; returns only by throwing,
    /// which a broken connection makes the next catch-up do.
    private nonisolated(nonsending) func follow(
        _ connection: PostgresConnection,
        wakeUps: AsyncStream<Void>,
        wake: AsyncStream<Void>.Continuation,
        watch: DatabaseWatch
    ) async throws {
        let pollInterval = self.configuration.pollInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: pollInterval)
                    wake.yield()
                }
            }
            defer { group.cancelAll() }

            wake.yield()
            for await _ in wakeUps {
                try await self.catchUp(connection, watch: watch)
            }
            // The wake-ups end only when this task is cancelled.
            throw CancellationError()
        }
    }

    private struct Row {
        var sequence: Int64
        var topic: String
        var payload: ByteBuffer?
    }

    /// Delivers every stored event after `lastSequence`, in order, in bounded batches.
    private nonisolated(nonsending) func catchUp(_ connection: PostgresConnection, watch: DatabaseWatch) async throws {
        guard var last = self.lastSequence else { return }
        var more = true
        while more {
            let topics = self.fanOut.subscribedTopics
            var prunedThrough: Int64 = 0
            var rows: [Row] = []
            var total: Int64 = 0
            try await watch.during {
                let result = try await connection.rows(self.schema.catchUp(after: last, topics: topics), logger: self.logger)
                for row in result {
                    let (pruned, sequence, topic, payload, count) = try row.decode(
                        (Int64, Int64?, String?, ByteBuffer?, Int64?).self,
                        context: .default
                    )
                    prunedThrough = pruned
                    if let sequence, let topic {
                        rows.append(Row(sequence: sequence, topic: topic, payload: payload))
                        total = count ?? 0
                    }
                }
            }

            if prunedThrough > last {
                // Clean-up deleted events this listener never handled; which topics they
                // belonged to is unknown, so every subscription is told.
                self.logger.error(
                    "pub/sub events expired before delivery",
                    metadata: ["lastSequence": "\(last)", "prunedThrough": "\(prunedThrough)"]
                )
                self.fanOut.finishAll(
                    error: PubSubError(
                        code: .eventsExpired,
                        message: "events \(last + 1)...\(prunedThrough) were deleted by retention before delivery"
                    )
                )
                last = prunedThrough
            }

            for row in rows {
                try await self.deliver(row, connection: connection, watch: watch)
                last = row.sequence
                self.lastSequence = last
            }
            self.lastSequence = last
            more = !rows.isEmpty && (total == Int64(PostgresPubSubSchema.catchUpRowLimit) || Int64(rows.count) < total)
        }
    }

    private nonisolated(nonsending) func deliver(_ row: Row, connection: PostgresConnection, watch: DatabaseWatch) async throws {
        var payload = row.payload
        if payload == nil {
            // Left out because nobody here listened to the topic when the query was sent.
            guard self.fanOut.hasSubscribers(topic: row.topic) else { return }
            payload = try await watch.during {
                var payload: ByteBuffer?
                for found in try await connection.rows(self.schema.payload(sequence: row.sequence), logger: self.logger) {
                    payload = try found.decode(ByteBuffer.self)
                }
                return payload
            }
            guard payload != nil else {
                self.fanOut.finish(
                    topic: row.topic,
                    error: PubSubError(code: .eventsExpired, message: "event \(row.sequence) was deleted before delivery")
                )
                return
            }
        }
        guard let payload else { return }
        self.fanOut.deliver(
            PubSubEvent(topic: row.topic, payload: Array(payload.readableBytesView), sequence: row.sequence)
        )
    }
}

/// The listener's connection closed before its `LISTEN` was set up; the listener reconnects.
struct ConnectionClosedBeforeListen: Error, CustomStringConvertible {
    var description: String { "the connection closed before LISTEN was set up" }
}
