import Foundation
import Logging
import SubscriptionsPubSub
import SubscriptionsPubSubPostgres
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    pubsub-latency MODE [options]: publish-to-delivery latency and throughput of the pub/sub engines.

    MODE
      memory                 InMemoryPubSub, publisher and subscriber in one process
      postgres               PostgresPubSub, two engines (publisher, subscriber) in one process
      postgres-two-process   PostgresPubSub, publisher here, subscriber in a child process

    Options
      --events N       events to publish (default 10000)
      --rate R         events per second in total, spread evenly; 0 = as fast as possible (default 0)
      --publishers P   concurrent publishing tasks (default 1)
      --payload B      payload bytes (default 256, at least 16)
      --url URL        PostgreSQL URL (default: $POSTGRES_URL)

    Latency is measured from just before publish() to the subscriber's receipt, with the
    system-wide monotonic clock, so it is comparable across the two processes. The subscriber
    checks that every event arrived exactly once and in sequence order; it gives up after 30 s
    without an event, and the tool exits with status 1 when anything was lost, duplicated or out
    of order.
    """

struct Options: Sendable {
    var mode = ""
    var events = 10_000
    var rate: Double = 0
    var publishers = 1
    var payloadSize = 256
    var url = ProcessInfo.processInfo.environment["POSTGRES_URL"] ?? ""
    var prefix = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)

    init(_ arguments: [String]) {
        var arguments = arguments[...]
        guard let mode = arguments.popFirst(), !mode.hasPrefix("-") else { Self.fail() }
        self.mode = mode
        while let flag = arguments.popFirst() {
            guard let value = arguments.popFirst() else { Self.fail() }
            switch flag {
            case "--events": self.events = Self.parse(value)
            case "--rate": self.rate = Self.parse(value)
            case "--publishers": self.publishers = Self.parse(value)
            case "--payload": self.payloadSize = Self.parse(value)
            case "--url": self.url = value
            case "--prefix": self.prefix = value
            default: Self.fail()
            }
        }
        if self.events < 1 || self.publishers < 1 || self.payloadSize < 16 || self.rate < 0 { Self.fail() }
    }

    static func parse<T: LosslessStringConvertible>(_ value: String) -> T {
        guard let parsed = T(value) else { fail() }
        return parsed
    }

    static func fail() -> Never {
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }

    var arguments: [String] {
        ["--events", "\(self.events)", "--url", self.url, "--prefix", self.prefix, "--payload", "\(self.payloadSize)"]
    }
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for all processes of the machine.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func payload(index: Int, size: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: size)
    withUnsafeBytes(of: monotonicNanoseconds().littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
    withUnsafeBytes(of: UInt64(index).littleEndian) { bytes.replaceSubrange(8..<16, with: $0) }
    return bytes
}

func stamp(of event: PubSubEvent) -> UInt64 {
    event.payload.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
}

/// Publishes `options.events` events from `options.publishers` tasks at the requested rate.
/// Returns the events per second the publishers achieved.
func publishAll(_ pubsub: some PubSub, _ options: Options) async throws -> Double {
    let start = ContinuousClock.now
    let interval: Duration? = options.rate > 0 ? .seconds(Double(options.publishers) / options.rate) : nil
    try await withThrowingTaskGroup(of: Void.self) { group in
        for publisher in 0..<options.publishers {
            group.addTask {
                var count = 0
                for index in stride(from: publisher, to: options.events, by: options.publishers) {
                    if let interval {
                        try await Task.sleep(until: start + interval * count + interval * (Double(publisher) / Double(options.publishers)))
                    }
                    try await pubsub.publish(topic: "bench", payload: payload(index: index, size: options.payloadSize))
                    count += 1
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - start
    return Double(options.events) / elapsed.seconds
}

func eventIndex(of event: PubSubEvent) -> Int {
    event.payload.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
}

/// What a subscriber received: latencies, and which events came, how often, in which order.
struct Received: Sendable {
    let expected: Int
    var latencies: [UInt64] = []
    var seen: [Bool]
    var duplicated = 0
    var foreign = 0
    var outOfOrder = 0
    var lastSequence: Int64 = .min
    var firstStamp: UInt64 = 0
    var lastArrival: UInt64 = 0
    var ending = ""

    init(expected: Int) {
        self.expected = expected
        self.seen = [Bool](repeating: false, count: expected)
        self.latencies.reserveCapacity(expected)
    }

    var complete: Bool { self.latencies.count == self.expected }

    mutating func add(_ event: PubSubEvent) {
        self.lastArrival = monotonicNanoseconds()
        let sent = stamp(of: event)
        if self.latencies.isEmpty { self.firstStamp = sent }
        self.latencies.append(self.lastArrival &- sent)
        if event.sequence <= self.lastSequence { self.outOfOrder += 1 }
        self.lastSequence = max(self.lastSequence, event.sequence)
        let index = eventIndex(of: event)
        if !self.seen.indices.contains(index) {
            self.foreign += 1
        } else if self.seen[index] {
            self.duplicated += 1
        } else {
            self.seen[index] = true
        }
    }
}

final class Progress: Sendable {
    let count = Atomic<Int>(0)
}

/// Receives `count` events, checks them, and summarizes their latencies. Gives up after
/// `patience` without a new event, so that a lost event ends the run instead of hanging it.
func receiveAll(_ subscription: PubSubSubscription, count: Int, patience: Duration = .seconds(30)) async -> String {
    let progress = Progress()
    let received = await withTaskGroup(of: Received?.self) { group in
        group.addTask {
            var received = Received(expected: count)
            do {
                for try await event in subscription {
                    received.add(event)
                    progress.count.store(received.latencies.count, ordering: .relaxed)
                    if received.complete { break }
                }
                if !received.complete {
                    received.ending = Task.isCancelled ? "no event for \(patience)" : "the subscription ended"
                }
            } catch is CancellationError {
                received.ending = "no event for \(patience)"
            } catch {
                received.ending = "the subscription failed: \(error)"
            }
            return received
        }
        group.addTask {
            var last = 0
            while true {
                do { try await Task.sleep(for: patience) } catch { return nil }
                let now = progress.count.load(ordering: .relaxed)
                if now == last { return nil }
                last = now
            }
        }
        var result: Received?
        while let next = await group.next() {
            if let next {
                result = next
                break
            }
            group.cancelAll()  // the watchdog gave up: stop receiving, keep what came
        }
        group.cancelAll()
        return result ?? Received(expected: count)
    }
    return summary(received)
}

func summary(_ received: Received) -> String {
    let lost = received.seen.count(where: { !$0 })
    let passed = received.complete && lost == 0 && received.duplicated == 0 && received.foreign == 0 && received.outOfOrder == 0
    let check = """
        check:     \(passed ? "passed" : "FAILED"): \(received.latencies.count) of \(received.expected) received, \(lost) lost, \
        \(received.duplicated) duplicated, \(received.foreign) unknown, \(received.outOfOrder) out of sequence order\
        \(received.ending.isEmpty ? "" : " (\(received.ending))")
        """
    guard !received.latencies.isEmpty else { return check }
    let latencies = received.latencies.sorted()
    func percentile(_ fraction: Double) -> String {
        let nanoseconds = latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        return String(format: "%.1f µs", Double(nanoseconds) / 1000)
    }
    let deliveredPerSecond = Double(latencies.count) / (Double(received.lastArrival &- received.firstStamp) / 1e9)
    return """
        delivered: \(String(format: "%.0f", deliveredPerSecond)) events/s (first publish to last delivery)
        latency:   p50 \(percentile(0.50))  p90 \(percentile(0.90))  p99 \(percentile(0.99))  max \(percentile(1.0))
        \(check)
        """
}

/// Prints the summary and ends the process with status 1 if the check failed.
func report(_ lines: String) {
    print(lines, terminator: lines.hasSuffix("\n") ? "" : "\n")
    if lines.contains("check:     FAILED") || !lines.contains("check:     passed") {
        exit(1)
    }
}

extension Duration {
    var seconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}

func postgresEngine(_ options: Options) throws -> PostgresPubSub {
    guard !options.url.isEmpty else {
        FileHandle.standardError.write(Data("set --url or POSTGRES_URL (see scripts/start-postgres.sh)\n".utf8))
        exit(2)
    }
    var configuration = try PostgresPubSub.Configuration(url: options.url, tablePrefix: options.prefix)
    configuration.defaultBufferSize = options.events + 16
    var logger = Logger(label: "pubsub-latency")
    logger.logLevel = .warning
    return try PostgresPubSub(configuration: configuration, logger: logger)
}

func header(_ options: Options) -> String {
    let rate = options.rate > 0 ? "\(Int(options.rate))/s" : "unpaced"
    return "\(options.mode): \(options.events) events of \(options.payloadSize) B, \(options.publishers) publisher(s), \(rate)"
}

func runMemory(_ options: Options) async throws {
    let pubsub = InMemoryPubSub(defaultBufferSize: options.events + 16)
    let subscription = pubsub.subscribe(topic: "bench", bufferSize: nil)
    async let summary = receiveAll(subscription, count: options.events)
    let published = try await publishAll(pubsub, options)
    print(header(options))
    print("published: \(String(format: "%.0f", published)) events/s")
    report(await summary)
}

func runPostgres(_ options: Options) async throws {
    let publisher = try postgresEngine(options)
    let subscriber = try postgresEngine(options)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await publisher.run() }
        group.addTask { await subscriber.run() }
        let subscription = try await subscriber.subscribe(topic: "bench")
        async let summary = receiveAll(subscription, count: options.events)
        let published = try await publishAll(publisher, options)
        print(header(options))
        print("published: \(String(format: "%.0f", published)) events/s")
        let lines = await summary
        group.cancelAll()
        report(lines)
    }
}

/// The child of `postgres-two-process`: subscribes, says so on the `control` topic, receives,
/// and prints the summary for the parent to show.
func runSubscriber(_ options: Options) async throws {
    let engine = try postgresEngine(options)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await engine.run() }
        let subscription = try await engine.subscribe(topic: "bench")
        try await engine.publish(topic: "control", payload: Array("ready".utf8))
        print(await receiveAll(subscription, count: options.events))
        group.cancelAll()
    }
}

func runTwoProcesses(_ options: Options) async throws {
    let engine = try postgresEngine(options)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await engine.run() }
        let control = try await engine.subscribe(topic: "control")

        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["subscriber"] + options.arguments
        let output = Pipe()
        child.standardOutput = output
        let exited = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        child.terminationHandler = { _ in exited.continuation.finish() }
        try child.run()

        var iterator = control.makeAsyncIterator()
        guard try await iterator.next() != nil else { throw PubSubError.shutDown }
        let published = try await publishAll(engine, options)

        // The child prints a few lines, far below a pipe's capacity, and exits.
        for await _ in exited.stream {}
        let summary = String(decoding: try output.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
        print(header(options))
        print("published: \(String(format: "%.0f", published)) events/s")
        group.cancelAll()
        report(summary)
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.mode {
case "memory": try await runMemory(options)
case "postgres": try await runPostgres(options)
case "postgres-two-process": try await runTwoProcesses(options)
case "subscriber": try await runSubscriber(options)
default: Options.fail()
}
