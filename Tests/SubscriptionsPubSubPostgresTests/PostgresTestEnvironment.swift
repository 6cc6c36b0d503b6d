import Foundation
import Logging
import PostgresNIO
import SubscriptionsPubSub
import SubscriptionsPubSubPostgres
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the PostgreSQL tests find their server, from the variables `scripts/start-postgres.sh`
/// exports.
enum PostgresTestEnvironment {
    static let environment = ProcessInfo.processInfo.environment

    /// `postgres://user:password@127.0.0.1:port/database`; the tests need it.
    static let url = environment["POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// The data directory, `pg_ctl`'s directory and the server's user: the restart test needs
    /// them to stop and start the server.
    static let dataDirectory = environment["POSTGRES_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    static let binDirectory = environment["POSTGRES_BIN_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    static let runAs = environment["POSTGRES_RUN_AS"].flatMap { $0.isEmpty ? nil : $0 }

    /// In CI the tests must run: without a server they fail instead of skipping.
    static let isCI = !(environment["CI"] ?? "").isEmpty && environment["CI"] != "false"

    static let howToEnable = """
        PostgreSQL tests skipped: set POSTGRES_URL to enable them. With Debian's postgresql \
        package installed (apt-get install -y postgresql), run `eval "$(scripts/start-postgres.sh)"`, \
        then swift test, then scripts/stop-postgres.sh
        """

    static var enabled: Bool { url != nil || isCI }
    static var canRestart: Bool { (dataDirectory != nil && binDirectory != nil) || isCI }

    static func requireURL() throws -> String {
        try #require(url, "CI must export POSTGRES_URL (see scripts/start-postgres.sh)")
    }

    /// A table prefix no other test run uses, so tests never see each other's events.
    static func uniquePrefix() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    static let logger: Logger = {
        var logger = Logger(label: "SubscriptionsPubSubPostgresTests")
        logger.logLevel = environment["PUBSUB_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// A configuration for the test server with quick reconnects and without clean-up, and an
    /// `application_name` so a test can cut this engine's connections alone.
    static func configuration(prefix: String, applicationName: String? = nil) throws -> PostgresPubSub.Configuration {
        var configuration = try PostgresPubSub.Configuration(url: requireURL(), tablePrefix: prefix)
        configuration.retention = .disabled
        configuration.reconnectBackoff = .exponential(initial: .milliseconds(50), maximum: .seconds(1))
        if let applicationName {
            configuration.client.options.additionalStartupParameters = [("application_name", applicationName)]
        }
        return configuration
    }

    /// Runs `body` with started engines, one per configuration, and stops them afterwards.
    static func withEngines<T: Sendable>(
        _ configurations: [PostgresPubSub.Configuration],
        _ body: @Sendable ([PostgresPubSub]) async throws -> T
    ) async throws -> T {
        let engines = try configurations.map { try PostgresPubSub(configuration: $0, logger: logger) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for engine in engines {
                group.addTask { await engine.run() }
            }
            defer { group.cancelAll() }
            return try await body(engines)
        }
    }

    /// Runs `body` with a plain client of the test server, for checks and sabotage.
    static func withAdminClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let configuration = try PostgresPubSub.Configuration(url: requireURL())
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Runs `pg_ctl` with `arguments` on the test server's data directory, as the server's user.
    ///
    /// Spawned and reaped by hand: Foundation's `Process` on Linux sometimes never reports the
    /// exit of `runuser` here (the child stays a zombie), which would hang the test.
    static func pgCtl(_ arguments: [String]) async throws {
        let dataDirectory = try #require(dataDirectory, "CI must export POSTGRES_DATA_DIR")
        let binDirectory = try #require(binDirectory, "CI must export POSTGRES_BIN_DIR")
        let pgCtl = binDirectory + "/pg_ctl"
        let command: [String]
        if let runAs, getuid() == 0 {
            // PostgreSQL refuses to run as root.
            command = ["/usr/sbin/runuser", "-u", runAs, "--", pgCtl, "-D", dataDirectory] + arguments
        } else {
            command = [pgCtl, "-D", dataDirectory] + arguments
        }

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        let argv = command.map { strdup($0) } + [nil]
        defer {
            for argument in argv { free(argument) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &fileActions, nil, argv, environ)
        try #require(spawned == 0, "could not start \(command[0]): error \(spawned)")

        // Bounded: pg_ctl itself gives up after its -t seconds.
        var status: Int32 = 0
        for _ in 0..<3_000 {
            if waitpid(pid, &status, WNOHANG) == pid {
                let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                #expect(exitCode == 0, "\(command.joined(separator: " ")) exited with \(exitCode)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(command.joined(separator: " ")) did not finish within 150 s")
    }
}

/// Collects `count` events from a subscription.
func collect(_ subscription: PubSubSubscription, count: Int) async throws -> [PubSubEvent] {
    var events: [PubSubEvent] = []
    guard count > 0 else { return events }
    for try await event in subscription {
        events.append(event)
        if events.count == count { break }
    }
    return events
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ event: PubSubEvent) -> String { String(decoding: event.payload, as: UTF8.self) }
