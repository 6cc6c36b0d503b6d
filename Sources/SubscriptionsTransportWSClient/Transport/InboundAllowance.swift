import SubscriptionsConcurrency

/// Bounds the messages read from the socket that the driver has not handled yet. The reader counts
/// each message it reports; at the limit it waits until the driver has caught up to half of it, and
/// while it waits the socket is not read, so the server's writes wait in TCP instead of in memory.
final class InboundAllowance: Sendable {
    private struct State {
        var unhandled = 0
        var resume: OneShot<Void>?
    }

    /// How many reported messages may wait for the driver.
    let limit: Int
    private let state: Lock<State>

    /// - Parameter limit: How many reported messages may wait for the driver (at least 1).
    init(limit: Int) {
        self.limit = max(limit, 1)
        self.state = Lock(State())
    }

    /// Counts a reported message.
    ///
    /// - Returns: What the reader waits for before it reads again, when the limit is reached.
    func reported() -> OneShot<Void>? {
        state.withLock { state in
            state.unhandled += 1
            guard state.unhandled >= limit else { return nil }
            if state.resume == nil { state.resume = OneShot() }
            return state.resume
        }
    }

    /// Counts a message the driver took from its queue; wakes the reader once half the limit is left.
    func handled() {
        let resume = state.withLock { state -> OneShot<Void>? in
            state.unhandled -= 1
            guard state.unhandled <= limit / 2, let resume = state.resume else { return nil }
            state.resume = nil
            return resume
        }
        resume?.fulfill(())
    }

    /// How many reported messages wait for the driver.
    var unhandled: Int { state.withLock { $0.unhandled } }
}
