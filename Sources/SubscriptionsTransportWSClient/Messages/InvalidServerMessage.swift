/// A frame from the server that is not a valid message of the negotiated protocol.
struct InvalidServerMessage: Error, Sendable, Equatable {
    /// What is wrong, for people.
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
