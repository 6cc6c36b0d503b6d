// swift-tools-version:6.1
// Benchmarks, in a package of their own so that building and testing the main package never
// builds them. Run from this directory; see BENCHMARKS.md at the repository root.
import PackageDescription

let package = Package(
    name: "SubscriptionsTransportWSBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "SubscriptionsTransportWS", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
    ],
    targets: [
        // Publish-to-delivery latency percentiles and throughput, in one process and across two
        // processes through PostgreSQL: `swift run -c release pubsub-latency --help`.
        .executableTarget(
            name: "pubsub-latency",
            dependencies: [
                .product(name: "SubscriptionsPubSub", package: "SubscriptionsTransportWS"),
                .product(name: "SubscriptionsPubSubPostgres", package: "SubscriptionsTransportWS"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // A server whose results are pre-encoded bytes: the protocol and the SwiftNIO transport alone,
        // under the load tool (`Benchmarks/side-by-side.sh`).
        .executableTarget(
            name: "protocol-server",
            dependencies: [
                .product(name: "SubscriptionsTransportWS", package: "SubscriptionsTransportWS"),
                .product(name: "SubscriptionsTransportWSNIO", package: "SubscriptionsTransportWS"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The protocol core: frames per second through one connection, per-operation cost, parsing:
        // `swift package benchmark --target ProtocolBenchmarks`.
        .executableTarget(
            name: "ProtocolBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SubscriptionsTransportWS", package: "SubscriptionsTransportWS"),
                .product(name: "SubscriptionsTransportWSObservability", package: "SubscriptionsTransportWS"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/ProtocolBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Per-event execution (GraphQLSwift's `execute` against the plan) and shared fan-out:
        // `swift package benchmark --target ExecutionBenchmarks`.
        .executableTarget(
            name: "ExecutionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SubscriptionsTransportWS", package: "SubscriptionsTransportWS"),
                .product(name: "SubscriptionsTransportWSGraphQL", package: "SubscriptionsTransportWS"),
                .product(name: "GraphQL", package: "GraphQL"),
            ],
            path: "Benchmarks/ExecutionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // package-benchmark suites: `swift package benchmark --target PubSubBenchmarks`.
        .executableTarget(
            name: "PubSubBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SubscriptionsPubSub", package: "SubscriptionsTransportWS"),
            ],
            path: "Benchmarks/PubSubBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
