import Foundation
import HTTPTypes
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient
import SubscriptionsTransportWSTesting
import TestSupport
import Testing

@testable import gqlws

@Suite("gqlws command line")
struct CommandLineTests {
    @Test("Options become a request and a client configuration")
    func parsing() throws {
        let command = try SubscribeCommand.parse([
            "ws://127.0.0.1:1/graphql", "--query", "query Q($n: String) { hello(name: $n) }",
            "--variables", #"{"n":"x"}"#, "--operation-name", "Q", "--protocol", "graphql-transport-ws",
            "--init-payload", #"{"token":"t"}"#, "-H", "Authorization: Bearer abc", "--header", "X-A:1",
            "--count", "2", "--pretty", "--ack-timeout", "0", "--keep-alive", "5", "--reconnect",
        ])
        #expect(command.count == 2)
        #expect(command.options.pretty)
        let request = try command.options.request()
        #expect(request == OperationRequest(query: "query Q($n: String) { hello(name: $n) }", variables: ["n": "x"], operationName: "Q"))
        let configuration = try command.options.configuration()
        #expect(configuration.protocolChoice == .graphQLTransportWS)
        #expect(configuration.initPayload == ["token": "t"])
        #expect(configuration.headers[.authorization] == "Bearer abc")
        #expect(configuration.headers[HTTPField.Name("X-A")!] == "1")
        #expect(configuration.connectionAckTimeout == nil)
        #expect(configuration.keepAlive == .enabled(timeout: .seconds(5)))
        #expect(configuration.reconnect.maxAttempts == 5)
    }

    @Test("Defaults: automatic protocol, 10 s ack timeout, no reconnect")
    func defaults() throws {
        let command = try QueryCommand.parse(["ws://h/graphql", "-q", "{ hello }"])
        let configuration = try command.options.configuration()
        #expect(configuration.protocolChoice == .automatic)
        #expect(configuration.initPayload == nil)
        #expect(configuration.connectionAckTimeout == .seconds(10))
        #expect(configuration.reconnect == .disabled)
        #expect(!command.options.pretty)
    }

    @Test(
        "Bad usage is rejected",
        arguments: [
            ["ws://h/graphql"],
            ["ws://h/graphql", "-q", "{a}", "--variables", "[1]"],
            ["ws://h/graphql", "-q", "{a}", "--variables", "{"],
            ["ws://h/graphql", "-q", "{a}", "--init-payload", "1"],
            ["ws://h/graphql", "-q", "{a}", "--header", "no colon"],
            ["ws://h/graphql", "-q", "{a}", "--protocol", "graphql-subscriptions"],
            ["ws://h/graphql", "-q", "{a}", "--count", "0"],
            ["ws://h/graphql", "-q", "{a}", "--ack-timeout", "-1"],
        ]
    )
    func badUsage(arguments: [String]) {
        #expect(throws: (any Error).self) { try SubscribeCommand.parse(arguments) }
        #expect(GQLWS.report(Self.parseError(arguments)) == .usage)
    }

    @Test(
        "Bad load limits are rejected",
        arguments: [["--connections", "0"], ["--connections", "10001"], ["--duration", "0"], ["--duration", "3601"]]
    )
    func badLoadLimits(arguments: [String]) {
        #expect(throws: (any Error).self) { try LoadCommand.parse(["ws://h/graphql", "-q", "{ a }"] + arguments) }
    }

    private static func parseError(_ arguments: [String]) -> any Error {
        do {
            _ = try GQLWS.parseAsRoot(["subscribe"] + arguments)
            return CancellationError()
        } catch {
            return error
        }
    }

    @Test("Each kind of failure has its exit status")
    func exitStatuses() {
        let cases: [(any Error, gqlws.ExitStatus)] = [
            (GraphQLOperationError(errors: [.init(message: "bad")]), .graphQLErrors),
            (GraphQLWebSocketClientError.invalidURL("x"), .usage),
            (GraphQLWebSocketClientError.connectionFailed(reason: "refused"), .connectionFailed),
            (GraphQLWebSocketClientError.upgradeRefused(status: 400, reasonPhrase: "Bad Request"), .connectionFailed),
            (GraphQLWebSocketClientError.noCommonSubprotocol(offered: ["graphql-ws"], answered: nil), .connectionFailed),
            (GraphQLWebSocketClientError.closed(ConnectionClose(code: 4403, reason: "Forbidden")), .closedByServer),
            (GraphQLWebSocketClientError.connectionRejected(payload: ["message": "no"]), .closedByServer),
            (GraphQLWebSocketClientError.connectionAckTimeout(.seconds(1)), .timeout),
            (GraphQLWebSocketClientError.keepAliveTimeout(.seconds(1)), .timeout),
            (GraphQLWebSocketClientError.invalidServerMessage("x"), .failure),
            (CancellationError(), .failure),
        ]
        for (error, status) in cases {
            #expect(ExitStatus.of(error) == status, "\(error)")
        }
        #expect(Set(cases.map(\.1.rawValue)) == [1, 2, 3, 4, 5, 6])
        #expect(GQLWS.report(CommandFailure(GraphQLOperationError(errors: [.init(message: "bad")]))) == .graphQLErrors)
    }

    @Test("Results print as one compact line with sorted keys, or indented")
    func printing() {
        var compact = ""
        ResultPrinter.append(["data": ["b": [1, 2], "a": nil], "errors": []], to: &compact, indent: nil)
        #expect(compact == #"{"data":{"a":null,"b":[1,2]},"errors":[]}"#)
        var pretty = ""
        ResultPrinter.append(["data": ["a": [1]]], to: &pretty, indent: 0)
        #expect(pretty == "{\n  \"data\": {\n    \"a\": [\n      1\n    ]\n  }\n}")
    }

    @Test("Colours mark keys, strings, numbers, booleans and null, and nothing else")
    func colouredPrinting() {
        var text = ""
        ResultPrinter.append(["k": ["s", 1, 2.5, true, nil, [], [:]]], to: &text, indent: nil, colored: true)
        let (key, string, number, boolean, null, reset) = ("\u{1B}[1;34m", "\u{1B}[32m", "\u{1B}[36m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[0m")
        #expect(
            text
                == "{\(key)\"k\"\(reset):[\(string)\"s\"\(reset),\(number)1\(reset),\(number)2.5\(reset),"
                + "\(boolean)true\(reset),\(null)null\(reset),[],{}]}"
        )
    }

    @Test("Terminals get indented, coloured results unless NO_COLOR or --compact; pipes compact ones unless --pretty")
    func outputLayout() throws {
        func printer(_ extra: [String], terminal: Bool, noColor: Bool = false) throws -> ResultPrinter {
            let command = try SubscribeCommand.parse(["ws://127.0.0.1:1/graphql", "--query", "{ hello }"] + extra)
            return ResultPrinter(options: command.options, outputIsTerminal: terminal, noColor: noColor)
        }
        let cases: [([String], Bool, Bool, (pretty: Bool, colored: Bool))] = [
            ([], true, false, (true, true)),
            ([], true, true, (true, false)),
            (["--compact"], true, false, (false, true)),
            ([], false, false, (false, false)),
            (["--pretty"], false, false, (true, false)),
        ]
        for (extra, terminal, noColor, expected) in cases {
            let made = try printer(extra, terminal: terminal, noColor: noColor)
            #expect(made.pretty == expected.pretty && made.colored == expected.colored, "\(extra) terminal: \(terminal) NO_COLOR: \(noColor)")
        }
        #expect(throws: (any Error).self) {
            try SubscribeCommand.parse(["ws://127.0.0.1:1/graphql", "--query", "{ hello }", "--pretty", "--compact"])
        }
    }

    @Test("The load progress line")
    func progressLine() throws {
        let line = LoadProgress.line(
            connectionsUp: 2,
            connections: 3,
            resultsPerSecond: 149.6,
            results: 300,
            errors: 1,
            elapsedSeconds: 2,
            durationSeconds: 2.5
        )
        #expect(line == "connections 2/3 up | 150 results/s | 300 results | 1 error | 2/2.5 s")
        let whole = LoadProgress.line(
            connectionsUp: 0,
            connections: 10,
            resultsPerSecond: 0,
            results: 0,
            errors: 0,
            elapsedSeconds: 0,
            durationSeconds: 10
        )
        #expect(whole == "connections 0/10 up | 0 results/s | 0 results | 0 errors | 0/10 s")
        #expect(try LoadCommand.parse(["ws://127.0.0.1:1/graphql", "--query", "{ hello }", "--quiet"]).quiet)
    }
}

/// The built `gqlws` executable run as a subprocess against this package's server.
@Suite("gqlws executable", .enabled(if: CommandLineProcess.executable != nil, "the gqlws executable is not built"))
struct CommandLineProcessTests {
    @Test("subscribe --count stops after N results; query prints one; exit statuses", arguments: ["graphql-ws", "graphql-transport-ws"])
    func endToEnd(subprotocol: String) async throws {
        try await withTestServer { url in
            let counted = try await CommandLineProcess.run([
                "subscribe", url, "-q", "subscription { counter(n: 100000, delayMs: 10) }",
                "--protocol", subprotocol, "--count", "3",
            ])
            #expect(counted.status == 0)
            #expect(counted.lines == [#"{"data":{"counter":0}}"#, #"{"data":{"counter":1}}"#, #"{"data":{"counter":2}}"#])

            let query = try await CommandLineProcess.run(["query", url, "-q", #"{ hello(name: "x") }"#, "--protocol", subprotocol])
            #expect(query.status == 0)
            #expect(query.lines == [#"{"data":{"hello":"Hello x"}}"#])

            let invalid = try await CommandLineProcess.run(["query", url, "-q", "{ nope }", "--protocol", subprotocol])
            #expect(invalid.status == 5)
            #expect(invalid.standardError.hasPrefix("gqlws: "))
        }
    }

    @Test("load: every connection runs the operation to its end and the report adds them up")
    func loadCountsEveryResult() async throws {
        try await withTestServer { url in
            let load = try await CommandLineProcess.run([
                "load", url, "-q", "subscription { counter(n: 5) }", "--connections", "4", "--duration", "60",
            ])
            #expect(load.status == 0, "\(load.standardError)")
            let report = try JSONValue.parse(load.standardOutput).objectValue ?? [:]
            #expect(report["connections"] == ["asked": 4, "connected": 4, "failed": 0, "failures": [:]])
            #expect(report["results"]?.objectValue?["total"] == 20)
            #expect(report["results"]?.objectValue?["withErrors"] == 0)
            #expect(report["secondsToAck"]?.objectValue?.keys.sorted() == ["max", "p50", "p99"])
        }
    }

    @Test("load: operations still running at the deadline are stopped on the server")
    func loadStopsAtTheDeadline() async throws {
        let completed = Recorder<OperationID>()
        let hooks = ServerHooks<JSONObject>(onOperationComplete: { completed.record($0) })
        try await withTestServer(hooks: hooks) { url in
            let load = try await CommandLineProcess.run([
                "load", url, "-q", "subscription { counter(n: 100000000, delayMs: 10) }", "--connections", "3", "--duration", "1",
            ])
            #expect(load.status == 0, "\(load.standardError)")
            let report = try JSONValue.parse(load.standardOutput).objectValue ?? [:]
            #expect(report["connections"]?.objectValue?["connected"] == 3)
            // Each operation ends on the server (stopped by the client), none is left running.
            let stopped = try await withTimeout(.seconds(10)) { await completed.waitForCount(3) }
            #expect(stopped.count == 3)
        }
    }

    @Test("load: an operation that fails counts as a result with errors and exits 5")
    func loadCountsOperationErrors() async throws {
        try await withTestServer { url in
            let load = try await CommandLineProcess.run(["load", url, "-q", "{ nope }", "--connections", "2", "--duration", "60"])
            #expect(load.status == 5)
            let report = try JSONValue.parse(load.standardOutput).objectValue ?? [:]
            #expect(report["connections"]?.objectValue?["connected"] == 2)
            #expect(report["results"]?.objectValue?["total"] == 2)
            #expect(report["results"]?.objectValue?["withErrors"] == 2)
        }
    }

    @Test("load: connections that fail are reported, with the first failure's exit status")
    func loadReportsFailures() async throws {
        let port = try await closedPort()
        let load = try await CommandLineProcess.run([
            "load", "ws://127.0.0.1:\(port)/graphql", "-q", "{ hello }", "--connections", "2", "--duration", "5",
        ])
        #expect(load.status == 3)
        let report = try JSONValue.parse(load.standardOutput).objectValue ?? [:]
        #expect(report["connections"]?.objectValue?["failed"] == 2)
        #expect(report["results"]?.objectValue?["total"] == 0)
    }

    @Test("Usage errors exit 2, unreachable servers 3")
    func failures() async throws {
        let usage = try await CommandLineProcess.run(["query", "ws://127.0.0.1:1/graphql"])
        #expect(usage.status == 2)
        let port = try await closedPort()
        let refused = try await CommandLineProcess.run(["query", "ws://127.0.0.1:\(port)/graphql", "-q", "{ hello }"])
        #expect(refused.status == 3)
        #expect(refused.standardError.split(separator: "\n").count == 1)
    }
}

/// Runs the `gqlws` executable built next to the tests.
enum CommandLineProcess {
    struct Outcome: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
        var lines: [String] { standardOutput.split(separator: "\n").map(String.init) }
    }

    /// The executable: `GQLWS_BIN` if set (the sanitizer runs use the plain build's), else searched
    /// in the directories above the test binary.
    static let executable: URL? = {
        if let path = ProcessInfo.processInfo.environment["GQLWS_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gqlws")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }()

    /// Runs `gqlws` with `arguments`, killing it if it runs longer than 30 seconds.
    ///
    /// A command that connects waits up to 25 seconds for `connection_ack` unless the test says
    /// otherwise: the default 10 s is too short for a loaded machine or a sanitizer build.
    static func run(_ arguments: [String]) async throws -> Outcome {
        let process = Process()
        process.executableURL = try #require(Self.executable as URL?)
        let connects = ["query", "subscribe", "load"].contains(arguments.first ?? "")
        process.arguments = connects && !arguments.contains("--ack-timeout") ? arguments + ["--ack-timeout", "25"] : arguments
        // Files rather than pipes: reading a pipe would block a thread of the test's small pool.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gqlws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            exited.continuation.yield(process.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let status: Int32
        do {
            status = try await withTimeout(.seconds(30)) {
                var iterator = exited.stream.makeAsyncIterator()
                return await iterator.next() ?? -1
            }
        } catch {
            process.terminate()
            throw error
        }
        return Outcome(
            status: status,
            standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        )
    }
}
