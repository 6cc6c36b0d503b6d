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
                let delay = TimeAmount.nanoseconds(max(0, Instant.now.duration(to: deadline).nanoseconds))
                sleep.keep(eventLoop.scheduleTask(in: delay) { sleep.end(throwing: nil) })
            }
        } onCancel: {
            sleep.end(throwing: CancellationError())
        }
    }

    /// One sleep: its continuation, resumed once, by the timer or by cancellation, which also takes
    /// the timer off the loop.
    private final class Sleep: Sendable {
        private enum State {
            case starting
            case waiting(CheckedContinuation<Void, any Error>, timer: Scheduled<Void>?)
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
                state = .waiting(continuation, timer: nil)
                return false
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
            return !cancelled
        }

        /// Keeps the loop's timer, to cancel it with the sleep; cancels it at once when the sleep
        /// already ended.
        func keep(_ timer: Scheduled<Void>) {
            let ended = state.withLockedValue { state in
                guard case .waiting(let continuation, nil) = state else { return true }
                state = .waiting(continuation, timer: timer)
                return false
            }
            if ended { timer.cancel() }
        }

        /// Ends the sleep, normally or with `error`; later calls do nothing.
        func end(throwing error: (any Error)?) {
            let waiting = state.withLockedValue { state -> (CheckedContinuation<Void, any Error>, Scheduled<Void>?)? in
                switch state {
                case .starting:
                    if error != nil { state = .cancelledBeforeWaiting }
                    return nil
                case .waiting(let continuation, let timer):
                    state = .ended
                    return (continuation, timer)
                case .cancelledBeforeWaiting, .ended:
                    return nil
                }
            }
            guard let (continuation, timer) = waiting else { return }
            if let error {
                continuation.resume(throwing: error)
                timer?.cancel()
            } else {
                continuation.resume()
            }
        }
    }
}
