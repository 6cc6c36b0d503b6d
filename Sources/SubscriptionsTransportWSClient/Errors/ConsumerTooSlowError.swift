/// An operation's results came faster than its consumer read them: more than
/// ``GraphQLWebSocketClient/Configuration/maxBufferedResults`` waited. The client stopped the
/// operation on the server; the results that waited were delivered before this error.
public struct ConsumerTooSlowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The limit that was reached.
    public let maxBufferedResults: Int

    /// Creates the error.
    ///
    /// - Parameter maxBufferedResults: The limit that was reached.
    public init(maxBufferedResults: Int) {
        self.maxBufferedResults = maxBufferedResults
    }

    /// What went wrong, for people, in one line.
    public var description: String {
        "The consumer read too slowly: more than \(maxBufferedResults) results waited, so the operation was stopped"
    }
}
