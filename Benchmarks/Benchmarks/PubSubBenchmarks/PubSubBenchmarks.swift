import Benchmark
import SubscriptionsPubSub

/// In-process costs of the in-memory engine, measured by package-benchmark. Cross-process
/// latency through PostgreSQL is measured by the `pubsub-latency` executable instead, since the
/// harness times one process.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(5)
    )

    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 256)

    // One publish followed by its delivery to a waiting consumer: the latency of the engine
    // itself, without queueing.
    Benchmark("InMemory publish then receive, 1 subscriber") { benchmark in
        let pubsub = InMemoryPubSub()
        let subscription = pubsub.subscribe(topic: "t", bufferSize: nil)
        var iterator = subscription.makeAsyncIterator()
        for _ in benchmark.scaledIterations {
            pubsub.publish(topic: "t", payload: payload)
            blackHole(try await iterator.next())
        }
    }

    // One publish reaching 100 subscriptions; the payload is shared, so the cost is per
    // subscriber bookkeeping only.
    Benchmark("InMemory fan-out to 100 subscribers") { benchmark in
        let pubsub = InMemoryPubSub()
        let subscriptions = (0..<100).map { _ in pubsub.subscribe(topic: "t", bufferSize: nil) }
        var iterators = subscriptions.map { $0.makeAsyncIterator() }
        for _ in benchmark.scaledIterations {
            pubsub.publish(topic: "t", payload: payload)
            for index in iterators.indices {
                blackHole(try await iterators[index].next())
            }
        }
    }

    // Publishing to a topic nobody listens to: the floor of the publish path.
    Benchmark("InMemory publish, no subscriber") { benchmark in
        let pubsub = InMemoryPubSub()
        for _ in benchmark.scaledIterations {
            blackHole(pubsub.publish(topic: "t", payload: payload))
        }
    }
}
