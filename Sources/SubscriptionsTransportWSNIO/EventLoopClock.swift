import NIOConcurrencyHelpers
import NIOCore

/// The continuous clock, with sleeps kept by an event loop's timers.
///
/// A connection's timers (the init timeout, keep-alive, the slow-client timeout) sleep on its
/// socket's event loop instead of Dispatch's timer thread: starting and ending a sleep then wakes no
/// other thread. A cancelled sleep ends at once; its loop timer is left to fire and do nothing, as
/// removing it from the loop's queue costs a pass over every timer of the loop.
struct EventLoopClock: Clock {
    typealias Instant = ContinuousClock.Instant

    let eventLoop: any EventLoop

    var now: Instant { .now }

    var minimumResolution: Duration { ContinuousClock().minimumResolution }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let sleep = Sleep()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard sleep.wait(continuation) else { return }
                let (seconds, attoseconds) = Instant.now.duration(to: deadline).components
                let nanoseconds = max(0, seconds) * 1_000_000_000 + (seconds < 0 ? 0 : attoseconds / 1_000_000_000)
                eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { sleep.end(throwing: nil) }
            }
        } onCancel: {
            sleep.end(throwing: CancellationError())
        }
    }

    /// One sleep: its continuation, resumed once, by the timer or by cancellation.
    private final class Sleep: Sendable {
        private enum State {
            case starting
            case waiting(CheckedContinuation<Void, any Error>)
            case cancelledBeforeWaiting
            case ended
        }

        private let state = NIOLockedValueBox(State.starting)

        /// Keeps the continuation; `false` when the sleep was cancelled first and is over.
        func wait(_ continuation: CheckedContinuation<Void, any Error>) -> Bool {
            let cancelled = state.withLockedValue { state in
                if case .cancelledBeforeWaiting = state {
                    state = .ended
                    return true
                }
                state = .waiting(continuation)
                return false
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
            return !cancelled
        }

        /// Ends the sleep, normally or with `error`; later calls do nothing.
        func end(throwing error: (any Error)?) {
            let continuation = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                switch state {
                case .starting:
                    if error != nil { state = .cancelledBeforeWaiting }
                    return nil
                case .waiting(let continuation):
                    state = .ended
                    return continuation
                case .cancelledBeforeWaiting, .ended:
                    return nil
                }
            }
            if let error { continuation?.resume(throwing: error) } else { continuation?.resume() }
        }
    }
}
