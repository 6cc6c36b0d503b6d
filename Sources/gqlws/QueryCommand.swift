import ArgumentParser
import SubscriptionsTransportWSClient

/// `gqlws query`: prints the result of a query or mutation.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a query or mutation and print its result.",
        discussion: GQLWS.outputAndExitStatus
    )

    @OptionGroup var options: ConnectionOptions

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for the result, connecting included (0: for ever); past it, exit status 6.",
            valueName: "seconds"
        )
    )
    var timeout: Double = 30

    func validate() throws {
        guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout must be 0 or more seconds") }
    }

    func run() async throws {
        let request = try options.request()
        let verbose = options.verbose
        let client = try options.client()
        let query = { @Sendable () async throws -> GraphQLResponse in
            try await client.withConnection { connection in
                if verbose, let subprotocol = connection.subprotocol { printError("connected with \(subprotocol)") }
                return try await connection.query(request)
            }
        }
        let result: GraphQLResponse
        do {
            result = try await timeout > 0 ? withDeadline(seconds: timeout, query) : query()
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
        ResultPrinter(options: options).print(result)
        if result.hasErrors { throw CommandFailure(status: .graphQLErrors, message: "the result carried GraphQL errors") }
    }
}

/// Runs `operation`, or fails with the timeout exit status when it takes longer than `seconds`
/// (the operation is cancelled then).
func withDeadline<Value: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw CommandFailure(status: .timeout, message: "no result within \(seconds) s (--timeout)")
        }
        return value
    }
}
