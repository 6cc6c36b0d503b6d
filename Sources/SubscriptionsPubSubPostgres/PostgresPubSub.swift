import Logging
import PostgresNIO
import ServiceLifecycle
import SubscriptionsPubSub
import Synchronization

/// A pub/sub engine shared by every process that uses the same PostgreSQL database.
///
/// ```swift
/// let pubsub = try PostgresPubSub(url: "postgres://app:secret@db.internal:5432/app")
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { await pubsub.run() }        // or add it to a ServiceGroup
///     let messages = try await pubsub.subscribe(topic: "chat:lobby")
///     try await pubsub.publish(topic: "chat:lobby", payload: Array(#"{"text":"hi"}"#.utf8))
///     for try await event in messages { … }
/// }
/// ```
///
/// ## How it works
///
/// ``publish(topic:payload:)`` inserts the event into the table `<prefix>_events` under a new
/// sequence number and, in the same transaction, sends a `NOTIFY` that carries only the highest
/// number of the transaction. Publishes that overlap in time share a transaction (group commit):
/// while one batch of events is being stored, the next gathers, and each batch costs one commit
/// and one `NOTIFY`, so throughput grows with the number of concurrent publishers instead of
/// being one event per commit. Each engine has one listener connection that `LISTEN`s and, when
/// notified (and every ``Configuration/pollInterval`` in any case), reads the events after the
/// last one it delivered and hands them to the subscribers in this process. Payloads travel in
/// the table, not in the notification, so they are not limited to `NOTIFY`'s 8000 bytes, and a
/// lost notification costs at most one poll interval.
///
/// ## Guarantees
///
/// - A subscriber receives every event of its topic committed after `subscribe` returned,
///   from every process, in sequence order, each once, also across reconnections: a listener
///   that loses its connection (server restart, network cut) reconnects with back-off and
///   resumes after the last sequence it delivered. Transactions that store events serialize on an
///   advisory lock so that sequence order is commit order; see `BENCHMARKS.md` for what that
///   costs.
/// - A publish that throws may or may not have been stored (the connection can fail after the
///   commit); retrying it can store the event twice. Make retried events recognizable (an ID in
///   the payload) if duplicates matter. A failed batch fails every publish in it with the same
///   error; an event the database refuses as invalid fails alone (its batch is then stored event
///   by event).
/// - Events are deleted by the ``Configuration/retention`` policy. A listener that was away
///   longer than that ends its subscriptions with `PubSubError.Code.eventsExpired` rather than
///   skip events silently.
/// - Subscriber buffers overflow as with every engine; see `PubSubSubscription`.
///
/// ## Lifecycle
///
/// The engine works while ``run()`` runs: start it in a task group or a `ServiceGroup` before
/// publishing or subscribing. On first use it creates the tables and functions it needs
/// (`CREATE … IF NOT EXISTS`, so concurrent first starts are safe); the database user needs the
/// right to create them. ``publish(topic:payload:)`` and ``subscribe(topic:bufferSize:)`` wait
/// until the listener has connected once. When ``run()`` ends (cancellation or graceful
/// shutdown), subscriptions end normally and later calls throw `PubSubError.Code.shutDown`;
/// publishes still waiting for a batch then throw it too, and their events are not stored.
public final class PostgresPubSub: PubSub, Service {
    /// The configuration the engine was made with.
    public let configuration: Configuration

    private let schema: PostgresPubSubSchema
    private let client: PostgresClient
    private let fanOut: PubSubFanOut
    private let gate = StartupGate()
    private let batcher: PublishBatcher
    private let logger: Logger
    private let started = Atomic<Bool>(false)

    /// Creates an engine; call ``run()`` to start it.
    ///
    /// - Parameters:
    ///   - configuration: The database, table prefix and policies to use.
    ///   - logger: Where the engine reports reconnections and clean-up problems.
    /// - Throws: `PubSubError` with `PubSubError.Code.invalidConfiguration` if the table prefix
    ///   is not valid.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "SubscriptionsPubSubPostgres")
    ) throws {
        precondition(configuration.defaultBufferSize > 0, "defaultBufferSize must be at least 1")
        self.configuration = configuration
        self.schema = try PostgresPubSubSchema(prefix: configuration.tablePrefix)
        self.client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.fanOut = PubSubFanOut(defaultBufferSize: configuration.defaultBufferSize)
        self.batcher = PublishBatcher(
            schema: self.schema,
            client: self.client,
            queryTimeout: configuration.queryTimeout,
            logger: logger
        )
        self.logger = logger
    }

    /// Creates an engine for a database URL with default settings; call ``run()`` to start it.
    ///
    /// - Parameters:
    ///   - url: A URL of the form `postgres://user:password@host:port/database`; see
    ///     ``Configuration/init(url:tablePrefix:)``.
    ///   - tablePrefix: The prefix of the engine's database objects.
    ///   - logger: Where the engine reports reconnections and clean-up problems.
    /// - Throws: `PubSubError` with `PubSubError.Code.invalidConfiguration` if the URL or the
    ///   prefix is not valid.
    public convenience init(
        url: String,
        tablePrefix: String = "pubsub",
        logger: Logger = Logger(label: "SubscriptionsPubSubPostgres")
    ) throws {
        try self.init(configuration: Configuration(url: url, tablePrefix: tablePrefix), logger: logger)
    }

    /// Runs the engine: its connection pool, its listener and its clean-up, until the task is
    /// cancelled or, inside a `ServiceGroup`, a graceful shutdown begins.
    ///
    /// Call it once. When it returns, every subscription has ended normally and the engine
    /// refuses further work with `PubSubError.Code.shutDown`.
    public func run() async {
        precondition(
            !self.started.exchange(true, ordering: .relaxed),
            "PostgresPubSub.run() must be called only once"
        )
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await self.client.run()
                    self.logger.debug("pub/sub connection pool stopped")
                }
                group.addTask {
                    let listener = EventListener(
                        schema: self.schema,
                        configuration: self.configuration,
                        client: self.client,
                        fanOut: self.fanOut,
                        gate: self.gate,
                        logger: self.logger
                    )
                    await listener.run()
                    self.logger.debug("pub/sub listener stopped")
                }
                group.addTask {
                    await self.batcher.run()
                    self.logger.debug("pub/sub publisher stopped")
                }
                group.addTask { await self.pruneExpiredEvents() }
            }
        }
        self.gate.close()
        self.fanOut.finishAll(error: nil)
    }

    /// Stores an event and announces it to every engine on the same database and prefix.
    ///
    /// Returns once the event is committed: from then on it reaches every subscriber of
    /// `topic` in every process, including subscribers whose listener is reconnecting.
    ///
    /// Concurrent calls are stored together: the event waits while the batch before it is being
    /// stored, then goes with everything else that arrived meanwhile, in one transaction (see
    /// "How it works"). A call with nothing before it is sent at once.
    ///
    /// - Parameters:
    ///   - topic: The topic the event belongs to.
    ///   - payload: The event's bytes, at most ``Configuration/maximumPayloadSize``.
    /// - Returns: The event's sequence number in the database.
    /// - Throws: `PubSubError` (`payloadTooLarge`, `shutDown`), `CancellationError`, or the
    ///   database error, also when the database does not answer within
    ///   ``Configuration/queryTimeout``. After a database error the event may still have been
    ///   stored. A call cancelled while its event waits for a batch throws `CancellationError`
    ///   and the event is not stored; once its batch has been sent, cancellation no longer
    ///   withdraws it and the call returns (or throws) with the batch. `shutDown` means the event
    ///   was not stored, unless its message says that the engine stopped while the event was
    ///   being stored.
    @discardableResult
    public func publish(topic: String, payload: [UInt8]) async throws -> Int64 {
        guard payload.count <= self.configuration.maximumPayloadSize else {
            throw PubSubError(
                code: .payloadTooLarge,
                message: "payload of \(payload.count) bytes exceeds maximumPayloadSize \(self.configuration.maximumPayloadSize)"
            )
        }
        try await self.gate.wait()
        return try await self.batcher.submit(topic: topic, payload: ByteBuffer(bytes: payload))
    }

    /// Events waiting for a publish batch, and events in the batch being stored; for tests.
    var publishQueueDepth: (queued: Int, inFlight: Int) {
        self.batcher.depth
    }

    /// Subscribes to one topic across all processes.
    ///
    /// Waits, if needed, until the listener has connected once; from then on every event of
    /// `topic` committed after this returns is delivered.
    ///
    /// - Parameters:
    ///   - topic: The topic to receive events of.
    ///   - bufferSize: The subscription's buffer size, at least 1; `nil` takes
    ///     ``Configuration/defaultBufferSize``.
    /// - Returns: The subscription.
    /// - Throws: `PubSubError` with `PubSubError.Code.shutDown` if the engine has stopped, or
    ///   `CancellationError`.
    public func subscribe(topic: String, bufferSize: Int?) async throws -> PubSubSubscription {
        try await self.gate.wait()
        return try self.gate.whileOpen { self.fanOut.subscribe(topic: topic, bufferSize: bufferSize) }
    }

    /// The number of live subscriptions in this process, over all topics.
    public var subscriptionCount: Int {
        self.fanOut.subscriptionCount
    }

    private func pruneExpiredEvents() async {
        guard case .olderThan(let age, let checkEvery) = self.configuration.retention.kind else { return }
        do {
            try await self.gate.wait()
            while true {
                do {
                    var deleted = 0
                    repeat {
                        let query = self.schema.prune(olderThan: age)
                        let (client, logger) = (self.client, self.logger)
                        deleted = try await DatabaseWatch.withWatch(timeout: self.configuration.queryTimeout, logger: logger) { watch in
                            watch.begin()
                            return try await client.withConnection { connection in
                                watch.attach(connection)
                                var count = 0
                                for row in try await connection.rows(query, logger: logger) {
                                    count = Int(try row.decode(Int64.self))
                                }
                                return count
                            }
                        }
                    } while deleted == PostgresPubSubSchema.pruneBatch
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("pub/sub clean-up failed; retrying later", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: checkEvery)
            }
        } catch {
            return
        }
    }
}
