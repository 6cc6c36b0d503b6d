import SubscriptionsConcurrency

/// Thrown by ``withTimeout(_:_:)`` for a hung wait, so a test fails instead of hanging the run.
public struct TimedOut: Error, CustomStringConvertible {
    /// How long the wait was allowed.
    public let limit: Duration
    /// Says how long was waited.
    public var description: String { "Gave up after \(limit)" }
}

/// Runs `body`, failing with ``TimedOut`` if it has not finished within `limit`.
///
/// The limit is a watchdog for a hung test, far above any expected duration; no assertion depends
/// on how long something takes. `body` runs in a task of its own that is cancelled when the limit
/// passes, and not waited for: a wait that ignores cancellation (a socket that never answers, a
/// framework's shutdown) fails its test rather than holding the whole run.
///
/// - Parameters:
///   - limit: How long `body` may take.
///   - body: The wait to watch.
/// - Returns: What `body` returned.
public func withTimeout<Value: Sendable>(
    _ limit: Duration = .seconds(60),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let outcome = OneShot<Result<Value, any Error>>()
    let work = Task {
        do { outcome.fulfill(.success(try await body())) } catch { outcome.fulfill(.failure(error)) }
    }
    let watchdog = Task {
        try? await Task.sleep(for: limit)
        outcome.fulfill(.failure(TimedOut(limit: limit)))
    }
    defer {
        work.cancel()
        watchdog.cancel()
    }
    return try await withTaskCancellationHandler {
        try await outcome.wait().get()
    } onCancel: {
        work.cancel()
    }
}
