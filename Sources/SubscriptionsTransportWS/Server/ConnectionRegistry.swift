import SubscriptionsConcurrency
import Synchronization

/// The running connections of one server, so that a shutdown can close them all.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [UInt64: @Sendable (UInt16, String) -> Void] = [:]
        var lastID: UInt64 = 0
        /// Set once the server goes away: later connections close as they start.
        var goingAway: (code: UInt16, reason: String)?
        /// Fulfilled when the last running connection ends while a shutdown waits for it.
        var drained: OneShot<Void>?
    }

    private let state = Lock(State())
    /// Connection objects alive: made and not yet deinitialised. The connection limit counts these,
    /// so a connection counts from its upgrade, before it starts, until its host lets it go.
    private let alive = Atomic<Int>(0)

    /// How many connections exist now.
    var aliveCount: Int { alive.load(ordering: .relaxed) }

    /// A new connection's id: connections are numbered from 1. The connection counts as alive
    /// until ``release()``.
    ///
    /// - Returns: The id, and how many connections are alive with this one.
    func makeID() -> (id: UInt64, alive: Int) {
        let alive = alive.add(1, ordering: .relaxed).newValue
        let id = state.withLock { state in
            state.lastID += 1
            return state.lastID
        }
        return (id, alive)
    }

    /// A connection object is gone.
    func release() {
        alive.subtract(1, ordering: .relaxed)
    }

    /// Registers a running connection.
    ///
    /// - Returns: The close to apply at once if the server is already going away.
    func register(id: UInt64, close: @escaping @Sendable (UInt16, String) -> Void) -> (code: UInt16, reason: String)? {
        state.withLock { state in
            state.connections[id] = close
            return state.goingAway
        }
    }

    func unregister(_ id: UInt64) {
        let drained = state.withLock { state -> OneShot<Void>? in
            state.connections[id] = nil
            guard state.connections.isEmpty else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?.fulfill(())
    }

    /// Closes every connection, and every later one, then waits until all have ended or the calling
    /// task is cancelled.
    func closeAll(code: UInt16, reason: String) async {
        let (closes, drained) = state.withLock { state -> ([@Sendable (UInt16, String) -> Void], OneShot<Void>?) in
            state.goingAway = (code, reason)
            guard !state.connections.isEmpty else { return ([], nil) }
            let drained = state.drained ?? OneShot()
            state.drained = drained
            return (Array(state.connections.values), drained)
        }
        for close in closes { close(code, reason) }
        _ = await drained?.waitUnlessCancelled()
    }
}
