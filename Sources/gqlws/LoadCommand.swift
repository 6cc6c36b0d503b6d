import ArgumentParser
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient

/// `gqlws load`: many connections run one operation at once, for a bounded time; reports what they
/// received.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Open many connections that each run the operation at once, and report the throughput.",
        discussion: """
            Every connection is opened at the start; once acknowledged it runs the operation until the \
            operation ends or --duration seconds have passed since the start, when it is stopped and the \
            connection closed. Ctrl-C (SIGINT) or SIGTERM ends the run early. The report is one JSON \
            object on standard output: connections (asked, connected, failed and the failures by \
            message), results (all, with errors, per second until the deadline or the last operation's \
            end), and the seconds to \
            connection_ack and to the first result (p50, p99, max). The exit status is that of the \
            first connection that failed, else 5 if any result carried errors (an operation's error \
            message counts as one), else 0.

            While it runs, a progress line on standard error shows the connections up, the results per \
            second and the errors so far, refreshed every second; only when standard error is a terminal \
            and not with --quiet. The report on standard output is the same either way.

            """ + GQLWS.outputAndExitStatus
    )

    @OptionGroup var options: ConnectionOptions

    @Option(help: ArgumentHelp("Connections to open at once (1 to 10000).", valueName: "n"))
    var connections = 10

    @Option(help: ArgumentHelp("Seconds the run lasts at most (up to 3600).", valueName: "seconds"))
    var duration: Double = 10

    @Flag(help: "No live progress line on standard error (there is none anyway when standard error is not a terminal).")
    var quiet = false

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be from 1 to 10000.") }
        guard duration > 0, duration <= 3_600 else { throw ValidationError("--duration must be more than 0 and at most 3600.") }
    }

    func run() async throws {
        let client = try options.client()
        let request = try options.request()
        let progress = LoadProgress()
        let (connections, duration) = (self.connections, Duration.seconds(self.duration))
        let progressLine =
            !quiet && Terminal.standardErrorIsTerminal ? Task { await progress.show(connections: connections, duration: duration) } : nil
        let report = await Self.measure(
            client: client,
            request: request,
            connections: connections,
            duration: duration,
            interruption: Interruption(),
            progress: progress
        )
        // The line is erased before the report, so the terminal shows the report alone.
        progressLine?.cancel()
        await progressLine?.value
        print(report.jsonValue)
        if let failure = report.firstFailure { throw CommandFailure(failure) }
        if report.resultsWithErrors > 0 {
            throw CommandFailure(status: .graphQLErrors, message: "\(report.resultsWithErrors) results carried GraphQL errors")
        }
    }

    /// Runs the load and returns what it measured.
    ///
    /// - Parameters:
    ///   - client: Opens the connections.
    ///   - request: The operation every connection runs.
    ///   - connections: How many connections to open at once.
    ///   - duration: How long the run lasts at most, counted from its start.
    ///   - interruption: Ends the run early when it fires; `nil` for none.
    ///   - progress: Counts connections, results and errors as they happen; `nil` for none.
    static func measure(
        client: GraphQLWebSocketClient,
        request: OperationRequest,
        connections: Int,
        duration: Duration,
        interruption: Interruption?,
        progress: LoadProgress? = nil
    ) async -> LoadReport {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: duration)
        let runs = await withTaskGroup(of: ConnectionRun.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    await run(
                        client: client,
                        request: request,
                        start: start,
                        deadline: deadline,
                        interruption: interruption,
                        progress: progress
                    )
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = start.duration(to: clock.now)
        return LoadReport(runs: runs, elapsed: elapsed, window: min(elapsed, duration))
    }

    /// One connection of the load: connects, runs the operation until it ends, the deadline passes
    /// or the run is interrupted.
    private static func run(
        client: GraphQLWebSocketClient,
        request: OperationRequest,
        start: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant,
        interruption: Interruption?,
        progress: LoadProgress?
    ) async -> ConnectionRun {
        let clock = ContinuousClock()
        do {
            return try await client.withConnection { connection in
                let acknowledged = start.duration(to: clock.now)
                progress?.connectionsUp.add(1, ordering: .relaxed)
                defer { progress?.connectionsUp.subtract(1, ordering: .relaxed) }
                return try await withThrowingTaskGroup(of: ConnectionRun?.self) { group in
                    group.addTask {
                        var run = ConnectionRun(acknowledged: acknowledged)
                        do {
                            for try await result in connection.subscribe(request) {
                                if run.results == 0 { run.firstResult = start.duration(to: clock.now) }
                                run.results += 1
                                progress?.results.add(1, ordering: .relaxed)
                                if result.hasErrors {
                                    run.resultsWithErrors += 1
                                    progress?.errors.add(1, ordering: .relaxed)
                                }
                            }
                        } catch is GraphQLOperationError {
                            // The operation's `error` message: a result of its own, made of errors.
                            if run.results == 0 { run.firstResult = start.duration(to: clock.now) }
                            run.results += 1
                            run.resultsWithErrors += 1
                            progress?.results.add(1, ordering: .relaxed)
                            progress?.errors.add(1, ordering: .relaxed)
                        }
                        return run
                    }
                    // Either ends the operation: the results loop then returns what it counted.
                    group.addTask {
                        try? await clock.sleep(until: deadline)
                        return nil
                    }
                    if let interruption {
                        group.addTask {
                            await interruption.wait()
                            return nil
                        }
                    }
                    var run: ConnectionRun?
                    while let next = try await group.next() {
                        group.cancelAll()
                        if let next { run = next }
                    }
                    return run ?? ConnectionRun(acknowledged: acknowledged)
                }
            }
        } catch {
            progress?.errors.add(1, ordering: .relaxed)
            return ConnectionRun(failure: error)
        }
    }
}

/// What one connection of a load run saw.
struct ConnectionRun: Sendable {
    /// From the start of the run to `connection_ack`.
    var acknowledged: Duration?
    /// From the start of the run to the first result.
    var firstResult: Duration?
    var results = 0
    var resultsWithErrors = 0
    /// Why the connection failed, if it did.
    var failure: (any Error)?

    init(acknowledged: Duration) {
        self.acknowledged = acknowledged
    }

    init(failure: any Error) {
        self.failure = failure
    }
}
