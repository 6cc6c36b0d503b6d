import PostgresNIO
import SubscriptionsConcurrency

/// Bounds how long one piece of work may wait for the database, whatever it waits on.
///
/// A network cut often leaves a TCP connection that neither delivers nor fails for many
/// minutes, and a connection pool can wait a long time for a server that went away. Work marks
/// each wait (a lease, a query) with ``begin()``/``end()`` or ``during(_:)`` and reports the
/// connection it got with ``attach(_:)``; the ``watch(timeout:logger:)`` loop, running beside
/// it in the same task group, fails the group once a wait has lasted longer than the timeout,
/// closing the attached connection first so that nothing stays stuck on it. Waiting for
/// notifications is not marked: the poll interval bounds how long a listener goes without a
/// query.
final class DatabaseWatch: Sendable {
    private struct State {
        var busySince: ContinuousClock.Instant?
        var connection: PostgresConnection?
    }

    private let state = Lock(State())

    struct Unresponsive: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "the database did not answer within \(self.timeout)" }
    }

    /// Runs one wait for the database under watch.
    nonisolated(nonsending) func during<T>(_ body: () async throws -> T) async throws -> T {
        self.begin()
        defer { self.end() }
        return try await body()
    }

    func begin() {
        self.state.withLock { $0.busySince = .now }
    }

    func end() {
        self.state.withLock { $0.busySince = nil }
    }

    /// The connection to close if a later wait takes too long.
    func attach(_ connection: PostgresConnection) {
        self.state.withLock { $0.connection = connection }
    }

    /// Returns only by throwing: ``Unresponsive`` once a wait is overdue (after closing the
    /// attached connection), or `CancellationError` when the watched work is over.
    func watch(timeout: Duration, logger: Logger) async throws {
        let checkEvery = min(timeout / 4, .seconds(1))
        while true {
            try await Task.sleep(for: checkEvery)
            let (overdue, connection) = self.state.withLock { state in
                (state.busySince.map { ContinuousClock.now - $0 > timeout } ?? false, state.connection)
            }
            if overdue {
                logger.warning("the database did not answer within \(timeout); giving up on this connection")
                try? await connection?.close()
                throw Unresponsive(timeout: timeout)
            }
        }
    }

    /// Runs `operation` with a watch beside it, and returns its result or the watch's error.
    ///
    /// Both run as child tasks, so an overdue wait ends `operation` even while it waits for a
    /// lease from the pool (leases are cancellable) or on a connection (which gets closed).
    static func withWatch<T: Sendable>(
        timeout: Duration,
        logger: Logger,
        _ operation: @escaping @Sendable (DatabaseWatch) async throws -> T
    ) async throws -> T {
        let watch = DatabaseWatch()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation(watch) }
            group.addTask {
                try await watch.watch(timeout: timeout, logger: logger)
                return nil
            }
            defer { group.cancelAll() }
            // The watch never returns normally, so the first result is the operation's.
            guard let result = try await group.next(), let value = result else {
                throw CancellationError()
            }
            return value
        }
    }
}
