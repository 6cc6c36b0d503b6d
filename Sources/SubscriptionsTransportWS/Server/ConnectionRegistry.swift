import Synchronization

/// The running connections of one server, so that a shutdown can close them all.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [UInt64: @Sendable (UInt16, String) -> Void] = [:]
        var nextKey: UInt64 = 0
        /// Set once the server goes away: later connections close as they start.
        var goingAway: (code: UInt16, reason: String)?
        var drainWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Registers a running connection.
    ///
    /// - Returns: The key to unregister it with, and the close to apply at once if the server is
    ///   already going away.
    func register(close: @escaping @Sendable (UInt16, String) -> Void) -> (key: UInt64, goingAway: (code: UInt16, reason: String)?) {
        state.withLock { state in
            state.nextKey += 1
            state.connections[state.nextKey] = close
            return (state.nextKey, state.goingAway)
        }
    }

    func unregister(_ key: UInt64) {
        let drained = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections[key] = nil
            guard state.connections.isEmpty else { return [] }
            defer { state.drainWaiters = [:] }
            return Array(state.drainWaiters.values)
        }
        drained.forEach { $0.resume() }
    }

    /// Closes every connection, and every later one, then waits until all have ended or the calling
    /// task is cancelled.
    func closeAll(code: UInt16, reason: String) async {
        let (closes, ticket) = state.withLock { state in
            state.goingAway = (code, reason)
            state.nextKey += 1
            return (Array(state.connections.values), state.nextKey)
        }
        closes.forEach { $0(code, reason) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let drained = state.withLock { state -> Bool in
                    if state.connections.isEmpty || Task.isCancelled { return true }
                    state.drainWaiters[ticket] = continuation
                    return false
                }
                if drained { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.drainWaiters.removeValue(forKey: ticket) }?.resume()
        }
    }
}
