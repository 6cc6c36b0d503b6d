/// Fails a test that waits too long instead of letting it hang; the limit is generous, so it
/// never decides a passing run.
struct TimedOut: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "gave up after \(self.seconds) s" }
}

func withTimeout<T: Sendable>(
    seconds: Int = 30,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
