import SubscriptionsPubSub
import Synchronization

/// Holds back publish and subscribe calls until the engine has its schema and its listener's
/// starting position, and turns them away once the engine has stopped.
///
/// A subscription made before the listener knows where to start could miss events published
/// in between; waiting here is what lets `subscribe` promise every later event.
final class StartupGate: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<Void, any Error>], nextID: Int)
        case open
        case closed
    }

    private let state = Mutex(State.waiting([:], nextID: 0))

    /// Returns once the gate is open.
    ///
    /// - Throws: `PubSubError.shutDown` if it closed instead, `CancellationError` if the
    ///   waiting task is cancelled.
    func wait() async throws {
        enum Registration {
            case ready
            case failed(any Error)
            case waiting
        }
        let id = Mutex<Int?>(nil)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let registration = self.state.withLock { state -> Registration in
                    switch state {
                    case .open:
                        return .ready
                    case .closed:
                        return .failed(PubSubError.shutDown)
                    case .waiting(var waiters, let nextID):
                        if Task.isCancelled { return .failed(CancellationError()) }
                        waiters[nextID] = continuation
                        state = .waiting(waiters, nextID: nextID + 1)
                        // Recorded under the state lock: a cancellation either sees this ID or
                        // happened before, in which case the check above turned us away.
                        id.withLock { $0 = nextID }
                        return .waiting
                    }
                }
                switch registration {
                case .ready: continuation.resume()
                case .failed(let error): continuation.resume(throwing: error)
                case .waiting: break
                }
            }
        } onCancel: {
            // The ID is read under the state lock, after any registration in progress.
            let continuation = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let waiterID = id.withLock({ $0 }),
                    case .waiting(var waiters, let nextID) = state,
                    let continuation = waiters.removeValue(forKey: waiterID)
                else { return nil }
                state = .waiting(waiters, nextID: nextID)
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
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
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters, _) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Turns every waiting and later ``wait()`` away with `PubSubError.shutDown`.
    func close() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            defer { state = .closed }
            guard case .waiting(let waiters, _) = state else { return [] }
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: PubSubError.shutDown) }
    }
}
