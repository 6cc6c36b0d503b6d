import SubscriptionsTransportWSClient

/// A failure with its message and exit status, thrown by the commands' `run`.
struct CommandFailure: Error {
    var status: ExitStatus
    var message: String

    /// The failure for an error of the client library.
    init(_ error: any Error) {
        self.status = ExitStatus.of(error)
        self.message = "\(error)"
        if let error = error as? GraphQLOperationError {
            self.message = "GraphQL errors: \(error)"
        }
    }

    init(status: ExitStatus, message: String) {
        self.status = status
        self.message = message
    }
}
