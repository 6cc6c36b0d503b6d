import SubscriptionsConcurrency

/// The tasks running an endpoint's sessions, so that a shutdown can wait for their close handshakes.
///
/// Vapor keeps no handle on the work of an upgraded socket, so the endpoint keeps its own.
final class SessionRegistry: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        /// A session's task, or `nil` between its registration and its task's creation.
        var tasks: [UInt64: Task<Void, Never>?] = [:]
    }

    private let state = Lock(State())

    /// Adds a session that is about to start.
    ///
    /// - Returns: The session's identifier.
    func register() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.tasks[state.nextID] = .some(nil)
            return state.nextID
        }
    }

    /// Records the task running a session, unless the session has already ended.
    func attach(_ task: Task<Void, Never>, to id: UInt64) {
        state.withLock { state in
            guard state.tasks[id] != nil else { return }
            state.tasks[id] = task
        }
    }

    /// Forgets a session that has ended.
    func remove(_ id: UInt64) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
    }

    /// The tasks of the live sessions.
    var tasks: [Task<Void, Never>] {
        state.withLock { state in state.tasks.values.compactMap { $0 } }
    }
}
