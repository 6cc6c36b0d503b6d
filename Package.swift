// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "SubscriptionsTransportWS",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SubscriptionsTransportWS", targets: ["SubscriptionsTransportWS"]),
        .library(name: "SubscriptionsTransportWSTesting", targets: ["SubscriptionsTransportWSTesting"]),
        .library(name: "SubscriptionsTransportWSGraphQL", targets: ["SubscriptionsTransportWSGraphQL"]),
        .library(name: "SubscriptionsTransportWSNIO", targets: ["SubscriptionsTransportWSNIO"]),
        .library(name: "SubscriptionsTransportWSHummingbird", targets: ["SubscriptionsTransportWSHummingbird"]),
        .executable(name: "subscriptions-server", targets: ["subscriptions-server"]),
        .library(name: "SubscriptionsTransportWSClient", targets: ["SubscriptionsTransportWSClient"]),
        .executable(name: "gqlws", targets: ["gqlws"]),
        .library(name: "SubscriptionsPubSub", targets: ["SubscriptionsPubSub"]),
        .library(name: "SubscriptionsPubSubPostgres", targets: ["SubscriptionsPubSubPostgres"]),
        .library(name: "SubscriptionsTransportWSVapor", targets: ["SubscriptionsTransportWSVapor"]),
        .executable(name: "vapor-example-server", targets: ["vapor-example-server"]),
        .library(name: "SubscriptionsTransportWSObservability", targets: ["SubscriptionsTransportWSObservability"]),
        .library(name: "SubscriptionsTransportWSTracing", targets: ["SubscriptionsTransportWSTracing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
        .package(url: "https://github.com/GraphQLSwift/Graphiti.git", from: "3.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // The demo server's span exporter (OTLP/HTTP only); no library product depends on it.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/websocket-kit.git", from: "2.16.2"),
    ],
    targets: [
        // The package's one waiting primitive (`OneShot`), shared by the core, the pub/sub engines and
        // the tools; not a product of its own.
        .target(name: "SubscriptionsConcurrency"),
        .target(name: "SubscriptionsTransportWS", dependencies: ["SubscriptionsConcurrency"]),
        .target(
            name: "SubscriptionsTransportWSTesting",
            dependencies: ["SubscriptionsTransportWS", "SubscriptionsConcurrency"]
        ),
        .target(
            name: "SubscriptionsTransportWSGraphQL",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "SubscriptionsTransportWSNIO",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "SubscriptionsTransportWSHummingbird",
            dependencies: [
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSNIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ]
        ),
        .executableTarget(
            name: "subscriptions-server",
            dependencies: [
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSGraphQL",
                "SubscriptionsTransportWSHummingbird",
                "SubscriptionsPubSub",
                "SubscriptionsPubSubPostgres",
                "SubscriptionsTransportWSObservability",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                "SubscriptionsTransportWSTracing",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSTests",
            dependencies: ["SubscriptionsConcurrency", "SubscriptionsTransportWS", "SubscriptionsTransportWSTesting"]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSGraphQLTests",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSGraphQL",
                "SubscriptionsTransportWSTesting",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "Graphiti", package: "Graphiti"),
            ]
        ),
        .target(
            name: "SubscriptionsTransportWSClient",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "gqlws",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSClientTests",
            dependencies: [
                "SubscriptionsConcurrency",
                "TestSupport",
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSClient",
                "SubscriptionsTransportWSGraphQL",
                "SubscriptionsTransportWSHummingbird",
                "SubscriptionsTransportWSTesting",
                "gqlws",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SubscriptionsPubSub",
            dependencies: ["SubscriptionsConcurrency", .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(
            name: "SubscriptionsPubSubPostgres",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsPubSub",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsPubSubTests",
            dependencies: ["SubscriptionsPubSub", "TestSupport"]
        ),
        .testTarget(
            name: "SubscriptionsPubSubPostgresTests",
            dependencies: [
                "TestSupport",
                "SubscriptionsPubSub",
                "SubscriptionsPubSubPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SubscriptionsTransportWSVapor",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "vapor-example-server",
            dependencies: [
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSGraphQL",
                "SubscriptionsTransportWSVapor",
                "SubscriptionsTransportWSObservability",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSAdapterTests",
            dependencies: [
                "SubscriptionsConcurrency",
                "TestSupport",
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSGraphQL",
                "SubscriptionsTransportWSHummingbird",
                "SubscriptionsTransportWSNIO",
                "SubscriptionsTransportWSVapor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Helpers shared by the test targets: a watchdog for waits and a Hummingbird application runner.
        .target(
            name: "TestSupport",
            dependencies: [
                "SubscriptionsConcurrency",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"
        ),
        .target(
            name: "SubscriptionsTransportWSObservability",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSObservabilityTests",
            dependencies: [
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSObservability",
                "SubscriptionsTransportWSTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "SubscriptionsTransportWSTracing",
            dependencies: [
                "SubscriptionsConcurrency",
                "SubscriptionsTransportWS",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "SubscriptionsTransportWSTracingTests",
            dependencies: [
                "SubscriptionsTransportWSTracing",
                "SubscriptionsTransportWS",
                "SubscriptionsTransportWSTesting",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
