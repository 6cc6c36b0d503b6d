// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the core module, built apart from the root package so that its normal build
// and its dependencies are untouched: `scripts/fuzz.sh` builds them with
// `-sanitize=fuzzer,address -parse-as-library`.
//
// `Sources/SubscriptionsTransportWS` is a symbolic link to the root package's core target (whose one
// dependency, `SubscriptionsConcurrency`, is linked the same way), compiled here with `-enable-testing` so the fuzz drivers can reach the protocol
// state machines, which are internal, through `@testable import`. Depending on the root package by
// path would resolve and fetch all of its dependencies (Vapor, Hummingbird, PostgresNIO, …) for a
// module that needs none of them.
let package = Package(
    name: "SubscriptionsTransportWSFuzz",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "SubscriptionsConcurrency"),
        .target(
            name: "SubscriptionsTransportWS",
            dependencies: ["SubscriptionsConcurrency"],
            swiftSettings: [.unsafeFlags(["-enable-testing"])]
        ),
        .target(name: "FuzzSupport", dependencies: ["SubscriptionsTransportWS"]),
        .executableTarget(name: "FuzzGraphQLWSDecoder", dependencies: ["FuzzSupport", "SubscriptionsTransportWS"]),
        .executableTarget(name: "FuzzGraphQLTransportWSDecoder", dependencies: ["FuzzSupport", "SubscriptionsTransportWS"]),
        .executableTarget(name: "FuzzGraphQLWSMachine", dependencies: ["FuzzSupport", "SubscriptionsTransportWS"]),
        .executableTarget(name: "FuzzGraphQLTransportWSMachine", dependencies: ["FuzzSupport", "SubscriptionsTransportWS"]),
    ],
    swiftLanguageModes: [.v6]
)
