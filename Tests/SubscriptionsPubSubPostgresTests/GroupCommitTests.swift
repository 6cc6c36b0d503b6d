import Foundation
import PostgresNIO
import SubscriptionsPubSub
import TestSupport
import Testing

@testable import SubscriptionsPubSubPostgres

/// Group commit: concurrent publishes share transactions. In the serialized suite of
/// ``PostgresPubSubTests``, since its restart test stops the server.
///
/// Tests that need a batch to be in flight hold the publish advisory lock from another session:
/// the engine's batch then waits in the database, and what is published meanwhile queues behind
/// it. Nothing here depends on timing: waits are for observable states, bounded by `withTimeout`.
extension PostgresPubSubTests {
    @Test("2,000 publishes from 50 tasks beside a previous-version engine: each arrives once, in order, under the number publish returned")
    func concurrentPublishes() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try [Env.configuration(prefix: prefix), Env.configuration(prefix: prefix)]
        let (tasks, perTask, previousVersionEvents) = (50, 40, 100)
        try await Env.withEngines(configurations) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[1].subscribe(topic: "t", bufferSize: 4096)
                let consumer = Task { try await collect(subscription, count: tasks * perTask + previousVersionEvents) }
                let returned = try await withThrowingTaskGroup(of: [(String, Int64)].self) { group in
                    for task in 0..<tasks {
                        group.addTask {
                            var sequences: [(String, Int64)] = []
                            for index in 0..<perTask {
                                let message = "p\(task)-\(index)"
                                sequences.append((message, try await engines[0].publish(topic: "t", payload: bytes(message))))
                            }
                            return sequences
                        }
                    }
                    // What an engine of the previous version does: one transaction per event,
                    // through `<prefix>_publish`, under the same lock.
                    group.addTask {
                        for index in 0..<previousVersionEvents {
                            let payload = ByteBuffer(bytes: bytes("old-\(index)"))
                            try await admin.query("SELECT \(unescaped: prefix)_publish('t', \(payload))")
                        }
                        return []
                    }
                    var all: [(String, Int64)] = []
                    for try await part in group { all += part }
                    return all
                }
                let events = try await withTimeout(.seconds(120)) { try await consumer.value }

                #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
                let expected = returned.map(\.0) + (0..<previousVersionEvents).map { "old-\($0)" }
                #expect(events.map(text).sorted() == expected.sorted())
                #expect(Set(returned.map(\.1)).count == returned.count)
                let received = Dictionary(events.map { (text($0), $0.sequence) }, uniquingKeysWith: { first, _ in first })
                let mismatched = returned.filter { received[$0.0] != $0.1 }
                #expect(mismatched.isEmpty, "publish returned another number than the subscriber saw: \(mismatched.prefix(5))")

                // Commit order is sequence order: along the sequence, the ID of the inserting
                // transaction never decreases (transaction IDs are drawn under the publish lock),
                // so each transaction's events are one unbroken run of numbers.
                let xids = try await transactionIDs(admin, prefix: prefix)
                #expect(xids.count == events.count)
                #expect(zip(xids, xids.dropFirst()).allSatisfy { $0 <= $1 })
            }
        }
    }

    @Test("publishes made while a batch is in flight are stored in one transaction, with one NOTIFY")
    func oneTransactionPerBatch() async throws {
        let prefix = Env.uniquePrefix()
        let lockKey = try PostgresPubSubSchema(prefix: prefix).publishLockKey
        let queued = 99
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[0].subscribe(topic: "t", bufferSize: 256)
                let (notifications, notified) = AsyncStream.makeStream(of: String.self)
                try await admin.withConnection { listening in
                    let listener = listening.addListener(channel: "\(prefix)_events") { _, notification in
                        notified.yield(notification.payload)
                    }
                    defer { listener.stop() }
                    // Queries on one connection run in order: once this answers, LISTEN is in place.
                    _ = try await listening.query("SELECT 1", logger: Env.logger)

                    let (first, rest) = try await admin.withConnection { locking in
                        try await locking.query("SELECT pg_advisory_lock(\(lockKey))", logger: Env.logger)
                        let first = Task { try await engines[0].publish(topic: "t", payload: bytes("first")) }
                        try await waitUntil { try await publishWaitsForLock(locking, key: lockKey) }
                        #expect(engines[0].publishQueueDepth == (queued: 0, inFlight: 1))
                        let rest = (0..<queued).map { index in
                            Task { try await engines[0].publish(topic: "t", payload: bytes("q\(index)")) }
                        }
                        try await waitUntil { engines[0].publishQueueDepth.queued == queued }
                        try await locking.query("SELECT pg_advisory_unlock(\(lockKey))", logger: Env.logger)
                        return (first, rest)
                    }
                    let firstSequence = try await withTimeout { try await first.value }
                    var restSequences: [Int64] = []
                    for task in rest { restSequences.append(try await withTimeout { try await task.value }) }

                    // The queued tasks ran in no particular order, so neither did their events.
                    let events = try await withTimeout { try await collect(subscription, count: queued + 1) }
                    #expect(events.map(\.sequence) == [firstSequence] + restSequences.sorted())
                    #expect(events.first.map(text) == "first")
                    let received = Dictionary(events.map { (text($0), $0.sequence) }, uniquingKeysWith: { first, _ in first })
                    #expect((0..<queued).allSatisfy { received["q\($0)"] == restSequences[$0] })

                    let xids = try await transactionIDs(admin, prefix: prefix)
                    #expect(xids.count == queued + 1)
                    #expect(Set(xids).count == 2, "one transaction for the first event, one for the \(queued) queued behind it")

                    // One NOTIFY per transaction, carrying its highest number.
                    let last = restSequences.max() ?? 0
                    let announced = try await withTimeout {
                        var payloads: [String] = []
                        for await payload in notifications {
                            payloads.append(payload)
                            if payload == "\(last)" { break }
                        }
                        return payloads
                    }
                    #expect(announced == ["\(firstSequence)", "\(last)"])
                }
            }
        }
    }

    @Test("publish_batch draws sequence numbers in array order and returns them in that order")
    func batchFunctionOrder() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            _ = try await engines[0].subscribe(topic: "t")  // the schema exists once this returns
            try await Env.withAdminClient { admin in
                let topics = (0..<50).map { "topic-\($0)" }
                let payloads = (0..<50).map { ByteBuffer(bytes: bytes("payload-\($0)")) }
                var returned: [Int64] = []
                let rows = try await admin.query("SELECT \(unescaped: prefix)_publish_batch(\(topics), \(payloads))")
                for try await sequences in rows.decode([Int64].self) { returned = sequences }
                #expect(returned.count == 50)
                #expect(zip(returned, returned.dropFirst()).allSatisfy { $0 + 1 == $1 })
                var stored: [(Int64, String)] = []
                let table = try await admin.query("SELECT seq, topic FROM \(unescaped: prefix)_events ORDER BY seq")
                for try await row in table.decode((Int64, String).self) { stored.append(row) }
                #expect(stored.map(\.0) == returned)
                #expect(stored.map(\.1) == topics)
            }
        }
    }

    @Test("a publish cancelled while queued is not stored; an event the database refuses fails alone")
    func cancelledAndRefusedInBatch() async throws {
        let prefix = Env.uniquePrefix()
        let lockKey = try PostgresPubSubSchema(prefix: prefix).publishLockKey
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[0].subscribe(topic: "t")
                let (first, good, bad) = try await admin.withConnection { locking in
                    try await locking.query("SELECT pg_advisory_lock(\(lockKey))", logger: Env.logger)
                    let first = Task { try await engines[0].publish(topic: "t", payload: bytes("first")) }
                    try await waitUntil { try await publishWaitsForLock(locking, key: lockKey) }
                    let cancelled = Task { try await engines[0].publish(topic: "t", payload: bytes("cancelled")) }
                    try await waitUntil { engines[0].publishQueueDepth.queued == 1 }
                    // PostgreSQL's text cannot hold NUL: the server refuses the whole batch.
                    let good = [
                        Task { try await engines[0].publish(topic: "t", payload: bytes("good-1")) }
                    ]
                    try await waitUntil { engines[0].publishQueueDepth.queued == 2 }
                    let bad = Task { try await engines[0].publish(topic: "bad\u{0}topic", payload: bytes("bad")) }
                    try await waitUntil { engines[0].publishQueueDepth.queued == 3 }
                    let good2 = Task { try await engines[0].publish(topic: "t", payload: bytes("good-2")) }
                    try await waitUntil { engines[0].publishQueueDepth.queued == 4 }

                    cancelled.cancel()
                    await #expect(throws: CancellationError.self) { try await withTimeout { try await cancelled.value } }
                    #expect(engines[0].publishQueueDepth.queued == 3)
                    try await locking.query("SELECT pg_advisory_unlock(\(lockKey))", logger: Env.logger)
                    return (first, good + [good2], bad)
                }
                let firstSequence = try await withTimeout { try await first.value }
                var goodSequences: [Int64] = []
                for task in good { goodSequences.append(try await withTimeout { try await task.value }) }
                await #expect(throws: PSQLError.self) { try await withTimeout { try await bad.value } }

                let events = try await withTimeout { try await collect(subscription, count: 3) }
                #expect(events.map(text) == ["first", "good-1", "good-2"])
                #expect(events.map(\.sequence) == [firstSequence] + goodSequences)
                var stored: [String] = []
                let rows = try await admin.query("SELECT convert_from(payload, 'UTF8') FROM \(unescaped: prefix)_events ORDER BY seq")
                for try await payload in rows.decode(String.self) { stored.append(payload) }
                #expect(stored == ["first", "good-1", "good-2"])
            }
        }
    }

    @Test("stopping the engine fails queued publishes with shutDown without storing them; later calls throw shutDown")
    func shutdownWithQueuedPublishes() async throws {
        let prefix = Env.uniquePrefix()
        let lockKey = try PostgresPubSubSchema(prefix: prefix).publishLockKey
        let engine = try PostgresPubSub(configuration: Env.configuration(prefix: prefix), logger: Env.logger)
        let running = Task { await engine.run() }
        defer { running.cancel() }
        let subscription = try await engine.subscribe(topic: "t")
        try await Env.withAdminClient { admin in
            try await admin.withConnection { locking in
                try await locking.query("SELECT pg_advisory_lock(\(lockKey))", logger: Env.logger)
                let inFlight = Task { try await engine.publish(topic: "t", payload: bytes("in-flight")) }
                try await waitUntil { try await publishWaitsForLock(locking, key: lockKey) }
                let queued = Task { try await engine.publish(topic: "t", payload: bytes("queued")) }
                try await waitUntil { engine.publishQueueDepth.queued == 1 }

                running.cancel()
                try await withTimeout { await running.value }
                let queuedError = await #expect(throws: PubSubError.self) { try await queued.value }
                #expect(queuedError?.code == .shutDown)
                // The batch in flight lost its connection: it may or may not be stored, and says so.
                let inFlightError = await #expect(throws: PubSubError.self) { try await inFlight.value }
                #expect(inFlightError?.code == .shutDown)
                #expect(inFlightError?.message.contains("may or may not") == true)

                let later = await #expect(throws: PubSubError.self) {
                    try await engine.publish(topic: "t", payload: bytes("later"))
                }
                #expect(later?.code == .shutDown)
                let subscribeLater = await #expect(throws: PubSubError.self) {
                    _ = try await engine.subscribe(topic: "t")
                }
                #expect(subscribeLater?.code == .shutDown)
                var ended = 0
                for try await _ in subscription { ended += 1 }
                #expect(ended == 0)

                // Let the abandoned transaction finish, then take the lock again: once granted,
                // whatever that transaction did is settled.
                try await locking.query("SELECT pg_advisory_unlock(\(lockKey))", logger: Env.logger)
                try await locking.query("SELECT pg_advisory_lock(\(lockKey))", logger: Env.logger)
                var stored: [String] = []
                let rows = try await locking.query(
                    "SELECT convert_from(payload, 'UTF8') FROM \(unescaped: prefix)_events",
                    logger: Env.logger
                )
                for try await payload in rows.decode(String.self) { stored.append(payload) }
                #expect(!stored.contains("queued"))
                try await locking.query("SELECT pg_advisory_unlock(\(lockKey))", logger: Env.logger)
            }
        }
    }

    @Test("a listener killed again and again under 20 concurrent publishers still delivers everything once, in order")
    func listenerKilledUnderConcurrentPublishes() async throws {
        let prefix = Env.uniquePrefix()
        let victim = "\(prefix)_listener"
        let configurations = try [
            Env.configuration(prefix: prefix, applicationName: victim),
            Env.configuration(prefix: prefix),
        ]
        let (tasks, perTask) = (20, 50)
        try await Env.withEngines(configurations) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[0].subscribe(topic: "t", bufferSize: 4096)
                let consumer = Task { try await collect(subscription, count: tasks * perTask) }
                let returned = try await withThrowingTaskGroup(of: [(String, Int64)].self) { group in
                    for task in 0..<tasks {
                        group.addTask {
                            var sequences: [(String, Int64)] = []
                            for index in 0..<perTask {
                                let message = "k\(task)-\(index)"
                                sequences.append((message, try await engines[1].publish(topic: "t", payload: bytes(message))))
                                // The first task cuts the listener off every tenth of the way.
                                if task == 0 && index % 5 == 2 {
                                    try await admin.query(
                                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(victim)"
                                    )
                                }
                            }
                            return sequences
                        }
                    }
                    var all: [(String, Int64)] = []
                    for try await part in group { all += part }
                    return all
                }
                let events = try await withTimeout(.seconds(120)) { try await consumer.value }
                #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
                #expect(events.map(text).sorted() == returned.map(\.0).sorted())
                let received = Dictionary(events.map { (text($0), $0.sequence) }, uniquingKeysWith: { first, _ in first })
                #expect(returned.allSatisfy { received[$0.0] == $0.1 })
            }
        }
    }
}

/// The IDs of the transactions that stored `prefix`'s events, in sequence order.
private func transactionIDs(_ admin: PostgresClient, prefix: String) async throws -> [Int64] {
    var xids: [Int64] = []
    let rows = try await admin.query("SELECT xmin::text::bigint FROM \(unescaped: prefix)_events ORDER BY seq")
    for try await xid in rows.decode(Int64.self) { xids.append(xid) }
    return xids
}

/// Whether another session waits for the advisory lock `key` (which `connection` holds).
private func publishWaitsForLock(_ connection: PostgresConnection, key: Int64) async throws -> Bool {
    let rows = try await connection.query(
        """
        SELECT count(*) FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted
            AND ((classid::bigint << 32) | objid::bigint) = \(key)
        """,
        logger: PostgresTestEnvironment.logger
    )
    var waiting: Int64 = 0
    for try await count in rows.decode(Int64.self) { waiting = count }
    return waiting > 0
}

/// Polls `condition` until it holds, at most 60 s.
private func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await withTimeout {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
