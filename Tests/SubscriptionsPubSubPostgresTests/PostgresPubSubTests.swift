import Foundation
import PostgresNIO
import SubscriptionsPubSub
import SubscriptionsPubSubPostgres
import TestSupport
import Testing

/// Against a real server (see ``PostgresTestEnvironment``). Serialized: the restart test stops
/// the whole server.
@Suite(
    "PostgreSQL engine",
    .serialized,
    .enabled(if: PostgresTestEnvironment.enabled, Comment(rawValue: PostgresTestEnvironment.howToEnable))
)
struct PostgresPubSubTests {
    typealias Env = PostgresTestEnvironment

    @Test("publish and subscribe through one engine: order, sequences, the schema made on first use")
    func roundTrip() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            let subscription = try await engines[0].subscribe(topic: "t")
            var sequences: [Int64] = []
            for index in 0..<20 {
                sequences.append(try await engines[0].publish(topic: "t", payload: bytes("\(index)")))
            }
            let events = try await withTimeout { try await collect(subscription, count: 20) }
            #expect(events.map(text) == (0..<20).map { "\($0)" })
            #expect(events.map(\.sequence) == sequences)
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 })
        }
    }

    @Test("events from two engines reach subscribers of both in one order")
    func fanOutAcrossEngines() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try [Env.configuration(prefix: prefix), Env.configuration(prefix: prefix)]
        try await Env.withEngines(configurations) { engines in
            var subscriptions: [PubSubSubscription] = []
            for engine in engines {
                for _ in 0..<3 {
                    subscriptions.append(try await engine.subscribe(topic: "room"))
                }
            }
            let other = try await engines[1].subscribe(topic: "elsewhere")
            for index in 0..<30 {
                try await engines[index % 2].publish(topic: "room", payload: bytes("m\(index)"))
                if index % 10 == 0 {
                    try await engines[0].publish(topic: "elsewhere", payload: bytes("e\(index)"))
                }
            }
            var orders: [[String]] = []
            for subscription in subscriptions {
                let events = try await withTimeout { try await collect(subscription, count: 30) }
                #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
                orders.append(events.map(text))
            }
            #expect(orders.allSatisfy { $0 == (0..<30).map { "m\($0)" } })
            let elsewhere = try await withTimeout { try await collect(other, count: 3) }
            #expect(elsewhere.map(text) == ["e0", "e10", "e20"])
        }
    }

    @Test("1 MiB payloads cross processes intact; larger ones are refused before the database")
    func largePayloads() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try [Env.configuration(prefix: prefix), Env.configuration(prefix: prefix)]
        try await Env.withEngines(configurations) { engines in
            let subscription = try await engines[1].subscribe(topic: "big")
            var generator = SystemRandomNumberGenerator()
            let random = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
            try await engines[0].publish(topic: "big", payload: random)
            try await engines[0].publish(topic: "big", payload: text)
            try await engines[0].publish(topic: "big", payload: [])
            let events = try await withTimeout { try await collect(subscription, count: 3) }
            #expect(events.map(\.payload) == [random, text, []])

            let error = await #expect(throws: PubSubError.self) {
                try await engines[0].publish(topic: "big", payload: [UInt8](repeating: 0, count: (1 << 20) + 1))
            }
            #expect(error?.code == .payloadTooLarge)
        }
    }

    @Test("a subscription starts now: events committed before the engine started are not replayed")
    func lateSubscriberStartsNow() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { first in
            try await first[0].publish(topic: "t", payload: bytes("before"))
            try await Env.withEngines([Env.configuration(prefix: prefix)]) { second in
                let subscription = try await second[0].subscribe(topic: "t")
                try await first[0].publish(topic: "t", payload: bytes("after"))
                let events = try await withTimeout { try await collect(subscription, count: 1) }
                #expect(events.map(text) == ["after"])
            }
        }
    }

    @Test("a topic first subscribed while other topics stream still gets its events")
    func newTopicWhileListening() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try [Env.configuration(prefix: prefix), Env.configuration(prefix: prefix)]
        try await Env.withEngines(configurations) { engines in
            let busy = try await engines[1].subscribe(topic: "busy")
            for round in 0..<5 {
                let fresh = try await engines[1].subscribe(topic: "fresh-\(round)")
                try await engines[0].publish(topic: "busy", payload: bytes("b\(round)"))
                try await engines[0].publish(topic: "fresh-\(round)", payload: bytes("f\(round)"))
                let events = try await withTimeout { try await collect(fresh, count: 1) }
                #expect(events.map(text) == ["f\(round)"])
            }
            let events = try await withTimeout { try await collect(busy, count: 5) }
            #expect(events.map(text) == (0..<5).map { "b\($0)" })
        }
    }

    @Test("overflow: a slow subscriber gets its buffered events, then subscriberTooSlow")
    func overflow() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            let slow = try await engines[0].subscribe(topic: "t", bufferSize: 2)
            let barrier = try await engines[0].subscribe(topic: "t")
            for index in 0..<5 {
                try await engines[0].publish(topic: "t", payload: bytes("\(index)"))
            }
            // Each event reaches both subscriptions in one step, so once the barrier has all
            // five, the slow one has overflowed.
            _ = try await withTimeout { try await collect(barrier, count: 5) }
            var received: [String] = []
            var iterator = slow.makeAsyncIterator()
            let error = await #expect(throws: PubSubError.self) {
                while let event = try await iterator.next() { received.append(text(event)) }
            }
            #expect(error?.code == .subscriberTooSlow)
            #expect(received == ["0", "1"])
        }
    }

    @Test("cancelling the consumer unsubscribes")
    func cancellation() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            let subscription = try await engines[0].subscribe(topic: "t")
            #expect(engines[0].subscriptionCount == 1)
            let consumer = Task { try await collect(subscription, count: 100).count }
            consumer.cancel()
            _ = try await withTimeout { try await consumer.value }
            #expect(engines[0].subscriptionCount == 0)
        }
    }

    @Test("two engines creating the same new schema at once both start")
    func concurrentFirstStart() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try (0..<4).map { _ in try Env.configuration(prefix: prefix) }
        try await Env.withEngines(configurations) { engines in
            let subscription = try await engines[3].subscribe(topic: "t")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for engine in engines.prefix(3) {
                    group.addTask { try await engine.publish(topic: "t", payload: bytes("x")) }
                }
                try await group.waitForAll()
            }
            #expect(try await withTimeout { try await collect(subscription, count: 3) }.count == 3)
        }
    }

    @Test("a listener whose connection is killed again and again still delivers everything once, in order")
    func listenerConnectionKilled() async throws {
        let prefix = Env.uniquePrefix()
        let victim = "\(prefix)_listener"
        let configurations = try [
            Env.configuration(prefix: prefix, applicationName: victim),
            Env.configuration(prefix: prefix),
        ]
        let messages = (0..<300).map { "k\($0)" }
        try await Env.withEngines(configurations) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[0].subscribe(topic: "t")
                let consumer = Task { try await collect(subscription, count: messages.count) }
                for (index, message) in messages.enumerated() {
                    try await engines[1].publish(topic: "t", payload: bytes(message))
                    if index % 50 == 25 {
                        try await admin.query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(victim)"
                        )
                    }
                }
                let events = try await withTimeout(.seconds(120)) { try await consumer.value }
                #expect(events.map(text) == messages)
                #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
            }
        }
    }

    @Test(
        "PostgreSQL stopped and restarted while messages are posted: all arrive, in order, once",
        .enabled(if: PostgresTestEnvironment.canRestart, "needs POSTGRES_DATA_DIR and POSTGRES_BIN_DIR from scripts/start-postgres.sh")
    )
    func serverRestart() async throws {
        let prefix = Env.uniquePrefix()
        let configurations = try [Env.configuration(prefix: prefix), Env.configuration(prefix: prefix)]
        let messages = (0..<200).map { "r\($0)" }
        try await Env.withEngines(configurations) { engines in
            try await Env.withAdminClient { admin in
                let subscriptions = [
                    try await engines[0].subscribe(topic: "t"),
                    try await engines[1].subscribe(topic: "t"),
                ]
                let consumers = subscriptions.map { subscription in
                    Task { try await collect(subscription, count: messages.count) }
                }
                let (quarterPosted, signal) = AsyncStream.makeStream(of: Void.self)
                try await withTimeout(.seconds(240)) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for (index, message) in messages.enumerated() {
                                try await publishOnce(engines[1], admin: admin, prefix: prefix, message: message)
                                if index == messages.count / 4 { signal.finish() }
                            }
                        }
                        group.addTask {
                            // Stop the server a quarter of the way in, and keep it down a while
                            // so publishers fail and listeners lose their connections.
                            for await _ in quarterPosted {}
                            try await Env.pgCtl(["-m", "fast", "-w", "-t", "60", "stop"])
                            try await Task.sleep(for: .seconds(1))
                            let log = (Env.dataDirectory ?? "/tmp") + "/server.log"
                            try await Env.pgCtl(["-l", log, "-w", "-t", "60", "start"])
                        }
                        try await group.waitForAll()
                    }
                }
                for consumer in consumers {
                    let events = try await withTimeout(.seconds(120)) { try await consumer.value }
                    #expect(events.map(text) == messages)
                    #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
                }
            }
        }
    }

    @Test("clean-up deletes expired events and records how far it went")
    func retentionDeletesOldEvents() async throws {
        let prefix = Env.uniquePrefix()
        var configuration = try Env.configuration(prefix: prefix)
        configuration.retention = .olderThan(.seconds(60), checkEvery: .milliseconds(100))
        try await Env.withEngines([configuration]) { engines in
            try await Env.withAdminClient { admin in
                var last: Int64 = 0
                for index in 0..<3 {
                    last = try await engines[0].publish(topic: "t", payload: bytes("\(index)"))
                }
                // Age the events instead of waiting a minute.
                try await admin.query("UPDATE \(unescaped: prefix)_events SET created_at = created_at - interval '1 hour'")
                let remaining = try await withTimeout {
                    var count: Int64 = -1
                    for _ in 0..<600 where count != 0 {
                        try await Task.sleep(for: .milliseconds(50))
                        let rows = try await admin.query("SELECT count(*) FROM \(unescaped: prefix)_events")
                        for try await value in rows.decode(Int64.self) { count = value }
                    }
                    return count
                }
                #expect(remaining == 0)
                let rows = try await admin.query("SELECT pruned_through FROM \(unescaped: prefix)_retention")
                for try await prunedThrough in rows.decode(Int64.self) {
                    #expect(prunedThrough == last)
                }
            }
        }
    }

    @Test("a listener that finds undelivered events deleted ends its subscriptions with eventsExpired")
    func expiredBeforeDelivery() async throws {
        let prefix = Env.uniquePrefix()
        try await Env.withEngines([Env.configuration(prefix: prefix)]) { engines in
            try await Env.withAdminClient { admin in
                let subscription = try await engines[0].subscribe(topic: "t")
                // Publish, age and delete in one transaction, so the listener can only ever
                // see the events as already deleted.
                try await admin.withTransaction(logger: Env.logger) { connection in
                    try await connection.query(
                        "SELECT \(unescaped: prefix)_publish('t', '\\x00'::bytea)",
                        logger: Env.logger
                    )
                    try await connection.query(
                        "UPDATE \(unescaped: prefix)_events SET created_at = created_at - interval '1 hour'",
                        logger: Env.logger
                    )
                    try await connection.query(
                        "SELECT \(unescaped: prefix)_prune(interval '1 minute', 100)",
                        logger: Env.logger
                    )
                }
                let error = await #expect(throws: PubSubError.self) {
                    try await withTimeout { _ = try await collect(subscription, count: 1) }
                }
                #expect(error?.code == .eventsExpired)
            }
        }
    }
}

/// Publishes `message` so that it is stored exactly once, retrying while the server is away.
///
/// A publish that fails may still have committed, so before each retry the table is checked.
private func publishOnce(_ engine: PostgresPubSub, admin: PostgresClient, prefix: String, message: String) async throws {
    for _ in 0..<2_000 {
        do {
            try await engine.publish(topic: "t", payload: bytes(message))
            return
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            PostgresTestEnvironment.logger.info("publish of \(message) failed; checking", metadata: ["error": "\(error)"])
            try await Task.sleep(for: .milliseconds(50))
        }
        for _ in 0..<2_000 {
            do {
                let payload = ByteBuffer(bytes: bytes(message))
                let rows = try await admin.query(
                    "SELECT count(*) FROM \(unescaped: prefix)_events WHERE payload = \(payload)"
                )
                var stored: Int64 = 0
                for try await count in rows.decode(Int64.self) { stored = count }
                if stored > 0 { return }
                break
            } catch {
                PostgresTestEnvironment.logger.info("check for \(message) failed", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
    Issue.record("could not publish \(message)")
}
