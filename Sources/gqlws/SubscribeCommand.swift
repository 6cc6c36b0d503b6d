import ArgumentParser
import SubscriptionsTransportWSClient

/// `gqlws subscribe`: prints every result of an operation until it completes or `--count` is reached.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Run an operation and print each result as it arrives.",
        discussion: """
            Ctrl-C (SIGINT) or SIGTERM stops the operation on the server (stop/complete), closes the \
            connection normally and exits 0, as reaching --count does.

            """ + GQLWS.outputAndExitStatus
    )

    @OptionGroup var options: ConnectionOptions

    @Option(help: ArgumentHelp("Stop (sending stop/complete) after this many results.", valueName: "n"))
    var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
    }

    func run() async throws {
        let request = try options.request()
        let printer = ResultPrinter(options: options)
        let (count, verbose) = (self.count, options.verbose)
        let interruption = Interruption()
        let sawErrors: Bool
        do {
            sawErrors = try await options.client().withConnection { connection in
                if verbose, let subprotocol = connection.subprotocol { printError("connected with \(subprotocol)") }
                // Ctrl-C ends the loop like --count does: the operation is stopped on the server and
                // the connection closed normally.
                return try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        var received = 0
                        var sawErrors = false
                        for try await result in connection.subscribe(request) {
                            printer.print(result)
                            sawErrors = sawErrors || result.hasErrors
                            received += 1
                            if let count, received >= count { break }
                        }
                        return sawErrors
                    }
                    group.addTask {
                        await interruption.wait()
                        return false
                    }
                    let first = try await group.next() ?? false
                    group.cancelAll()
                    var sawErrors = first
                    while let other = try? await group.next() { sawErrors = sawErrors || other }
                    return sawErrors
                }
            }
        } catch {
            throw CommandFailure(error)
        }
        if sawErrors { throw CommandFailure(status: .graphQLErrors, message: "the result carried GraphQL errors") }
    }
}
