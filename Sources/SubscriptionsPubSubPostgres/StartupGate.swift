import SubscriptionsConcurrency
import SubscriptionsPubSub

/// Holds back publish and subscribe calls until the engine has its schema and its listener's
/// starting position, and turns them away once the engine has stopped.
///
/// A subscription made before the listener knows where to start could miss events published
/// in between; waiting here is what lets `subscribe` promise every later event.
final class StartupGate: Sendable {
    private enum State {
        case waiting
        case open
        case closed
    }

    private let state = Lock(State.waiting)
    /// Set when the gate first opens (`true`) or closes (`false`); waiters wait for it.
    private let decided = OneShot<Bool>()

    /// Returns once the gate is open.
    ///
    /// - Throws: `PubSubError.shutDown` if it closed instead, `CancellationError` if the
    ///   waiting task is cancelled.
    func wait() async throws {
        guard await decided.waitUnlessCancelled() != nil else { throw CancellationError() }
        guard case .open = state.withLock({ $0 }) else { throw PubSubError.shutDown }
    }

    /// Runs `body` while holding the gate open, so that ``close()`` cannot overtake it.
    ///
    /// - Throws: `PubSubError.shutDown` if the gate is closed.
    func whileOpen<T>(_ body: () -> T) throws(PubSubError) -> T {
        try self.state.withLock { state throws(PubSubError) -> T in
            guard case .open = state else { throw PubSubError.shutDown }
            return body()
        }
    }

    /// Lets every waiting and later ``wait()`` through.
    func open() {
        let opened = state.withLock { state -> Bool in
            guard case .waiting = state else { return false }
            state = .open
            return true
        }
        if opened { decided.fulfill(true) }
    }

    /// Turns every waiting and later ``wait()`` away with `PubSubError.shutDown`.
    func close() {
        state.withLock { $0 = .closed }
        decided.fulfill(false)
    }
}
