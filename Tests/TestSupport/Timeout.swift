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
/// on how long something takes.
///
/// - Parameters:
///   - limit: How long `body` may take.
///   - body: The wait to watch.
/// - Returns: What `body` returned.
public func withTimeout<Value: Sendable>(
    _ limit: Duration = .seconds(60),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: WatchdogOutcome<Value>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await Task.sleep(for: limit)
            return .timedOut
        }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .finished(let value): return value
        case .timedOut, nil: throw TimedOut(limit: limit)
        }
    }
}

/// The first of a watched task and its watchdog to finish; a value of its own, so that a `body`
/// returning an optional `nil` is not taken for the watchdog.
private enum WatchdogOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case timedOut
}
