import ArgumentParser
import Foundation

/// `gqlws`: a command-line GraphQL over WebSocket client for `graphql-ws` and `graphql-transport-ws`
/// servers.
@main
struct GQLWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gqlws",
        abstract: "A GraphQL over WebSocket client (graphql-ws and graphql-transport-ws).",
        discussion: GQLWS.outputAndExitStatus,
        subcommands: [SubscribeCommand.self, QueryCommand.self, LoadCommand.self]
    )

    /// How results and errors are printed, and the exit statuses; shown by every command's `--help`.
    static let outputAndExitStatus = """
        Results go to standard output: the payload of each data/next message as JSON. \
        On a terminal each is indented and coloured (NO_COLOR set to anything but the \
        empty string turns colour off; --compact prints one line each); otherwise, \
        in a pipe or a file, each is one compact line without colour (--pretty \
        indents them). Errors go to standard error as one line.

        EXIT STATUS
          0  success
          1  unexpected failure (for example an invalid message from the server)
          2  usage error: bad option, URL, JSON value or header
          3  no connection: refused, upgrade refused, no common subprotocol
          4  the server closed or rejected the connection
          5  GraphQL errors: an error message, or a result carrying "errors"
          6  timeout: no connection_ack in time, keep-alive unanswered, or --timeout ran out
        """

    /// Runs the command, with the exit statuses documented above instead of ArgumentParser's own.
    static func main() async {
        let status: ExitStatus
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            status = .success
        } catch {
            status = report(error)
        }
        Foundation.exit(status.rawValue)
    }

    /// Prints the message for an error where it belongs and returns the exit status.
    static func report(_ error: any Error) -> ExitStatus {
        if let failure = error as? CommandFailure {
            printError(failure.message)
            return failure.status
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            // --help and --version.
            if !message.isEmpty { print(message) }
            return .success
        }
        if !message.isEmpty { printError(message) }
        return code == .validationFailure ? .usage : .failure
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("gqlws: \(message)\n".utf8))
}
