import PostgresNIO

/// The connection closed before the query was answered.
struct ConnectionClosedBeforeAnswer: Error, CustomStringConvertible {
    var description: String { "the connection closed before the query was answered" }
}

extension PostgresConnection {
    /// Runs `query` and returns all its rows, or fails once the connection closes.
    ///
    /// postgres-nio 1.33.2 writes a query to its channel without a write promise, so a query
    /// issued just as the server drops the connection is never answered nor failed, and an
    /// `await` on it never returns. Racing the answer with the connection's close makes every
    /// query of the engine end; the lost query's own future is simply never completed. The
    /// engine's queries return bounded row counts, so collecting them is fine.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let answer = self.eventLoop.makePromise(of: [PostgresRow].self)
        self.query(query, logger: logger).map(\.rows).cascade(to: answer)
        // Completing an already completed promise is ignored, so whichever comes first wins.
        self.closeFuture.whenComplete { _ in answer.fail(ConnectionClosedBeforeAnswer()) }
        return try await answer.futureResult.get()
    }
}
