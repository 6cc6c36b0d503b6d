import NIOConcurrencyHelpers
import NIOCore

/// The continuous clock, with sleeps kept by an event loop's timers.
///
/// A connection's timers (the init timeout, keep-alive, the slow-client timeout) sleep on its
/// socket's event loop instead of Dispatch's timer thread: starting and ending a sleep then wakes no
/// other thread. A cancelled sleep ends at once and takes its timer off the loop. (Leaving it there
/// to fire for nothing was tried: a burst of new connections then left thousands of acknowledged
/// connections' init timeouts in the loop's queue, and each later cancellation of any timer of the
/// loop, which searches that queue, cost 3% of the server's time.)
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
                sleep.keep(eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { sleep.end(throwing: nil) })
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
        /// The loop's timer, and whether the sleep was cancelled: whichever comes second cancels it.
        private let timer = NIOLockedValueBox<(scheduled: Scheduled<Void>?, cancelled: Bool)>((nil, false))

        /// Keeps the loop's timer, to cancel it with the sleep.
        func keep(_ scheduled: Scheduled<Void>) {
            let cancelled = timer.withLockedValue { timer in
                timer.scheduled = scheduled
                return timer.cancelled
            }
            if cancelled { scheduled.cancel() }
        }

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
            if let error {
                continuation?.resume(throwing: error)
                timer.withLockedValue { timer in
                    timer.cancelled = true
                    return timer.scheduled
                }?.cancel()
            } else {
                continuation?.resume()
            }
        }
    }
}
