import SubscriptionsConcurrency

/// A clock that moves only when a test advances it, so timers can be tested without sleeping.
///
/// Sleepers whose deadline is reached wake in deadline order. A sleep whose deadline has already
/// passed returns at once.
public final class ManualClock: Clock, Sendable {
    /// A point in manual time: the duration since the clock was created.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable {
        /// Time since the clock's start.
        public var offset: Duration

        /// Creates an instant at `offset` after the clock's start.
        public init(offset: Duration) {
            self.offset = offset
        }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        /// Whether `lhs` comes before `rhs`.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [UInt64: Sleeper] = [:]
        var nextTicket: UInt64 = 0
    }

    private let state = Lock(State())

    /// Creates a clock at instant zero.
    public init() {}

    /// The current manual time.
    public var now: Instant { state.withLock { $0.now } }

    /// Manual time has no resolution limit.
    public var minimumResolution: Duration { .zero }

    /// How many tasks are sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the clock is advanced to `deadline`.
    ///
    /// - Throws: `CancellationError` if the task is cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[ticket] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: ticket) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward, waking every sleeper whose deadline is reached, earliest first.
    ///
    /// Between wake-ups the caller yields so that woken tasks can act (and sleep again) before
    /// later deadlines are reached.
    public func advance(by duration: Duration) async {
        await advance(to: now.advanced(by: duration))
    }

    /// Moves time forward to `target`, waking sleepers in deadline order.
    public func advance(to target: Instant) async {
        while true {
            let due = state.withLock { state -> Sleeper? in
                guard let (ticket, sleeper) = state.sleepers.min(by: { $0.value.deadline < $1.value.deadline }),
                    sleeper.deadline <= target
                else {
                    if state.now < target { state.now = target }
                    return nil
                }
                state.sleepers[ticket] = nil
                if state.now < sleeper.deadline { state.now = sleeper.deadline }
                return sleeper
            }
            guard let due else { return }
            due.continuation.resume()
            for _ in 0..<10 { await Task.yield() }
        }
    }
}
