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

    func run() async throws {
        let request = try options.request()
        let verbose = options.verbose
        let result: GraphQLResponse
        do {
            result = try await options.client().withConnection { connection in
                if verbose, let subprotocol = connection.subprotocol { printError("connected with \(subprotocol)") }
                return try await connection.query(request)
            }
        } catch {
            throw CommandFailure(error)
        }
        ResultPrinter(pretty: options.pretty).print(result)
        if result.hasErrors { throw CommandFailure(status: .graphQLErrors, message: "the result carried GraphQL errors") }
    }
}
