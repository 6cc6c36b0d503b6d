import NIOCore
import SubscriptionsConcurrency

/// Schedules the output passes of one event loop's channels, so that many channels cost one wake-up
/// and one timer instead of one each.
///
/// - Output that becomes ready from another thread (``schedule(_:)``): an event shared by ten
///   thousand subscribers makes a thousand connections ready within a few milliseconds. The first
///   schedules one pass on the loop; the others join it while it is pending. Waking the loop once
///   per connection would cost a thread switch each, and on a busy core the woken loop would take
///   the CPU from the producer every time.
/// - Output that streams (``scheduleFollowUp(_:after:)``, on the loop): a channel that just wrote
///   comes back after a short interval rather than being woken for each frame. All channels due
///   share one timer.
final class EventLoopOutputScheduler: Sendable {
    private struct FollowUps {
        var due: [(deadline: NIODeadline, drain: @Sendable () -> Void)] = []
        var timer: Scheduled<Void>?
    }

    private let eventLoop: any EventLoop
    private let pending = Lock<[@Sendable () -> Void]>([])
    /// Only touched on the loop.
    private let followUps: NIOLoopBoundBox<FollowUps>

    private static let schedulers = PerEventLoop<EventLoopOutputScheduler>()

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.followUps = NIOLoopBoundBox(FollowUps(), eventLoop: eventLoop)
    }

    /// The scheduler of an event loop (one per loop, for the life of the process).
    static func of(_ eventLoop: any EventLoop) -> EventLoopOutputScheduler {
        schedulers.value(for: eventLoop, make: EventLoopOutputScheduler.init).value
    }

    /// Runs `drain` on the loop soon, in one pass with every other drain scheduled meanwhile; from
    /// any thread.
    func schedule(_ drain: @escaping @Sendable () -> Void) {
        let first = pending.withLock { pending in
            pending.append(drain)
            return pending.count == 1
        }
        if first {
            eventLoop.execute { self.runPending() }
        }
    }

    private func runPending() {
        let drains = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        for drain in drains { drain() }
    }

    /// Runs `drain` on the loop once `interval` has passed; on the loop.
    func scheduleFollowUp(_ drain: @escaping @Sendable () -> Void, after interval: TimeAmount) {
        let deadline = NIODeadline.now() + interval
        followUps.value.due.append((deadline, drain))
        if followUps.value.timer == nil {
            armTimer(for: deadline)
        }
    }

    private func armTimer(for deadline: NIODeadline) {
        followUps.value.timer = eventLoop.scheduleTask(deadline: deadline) { self.runFollowUps() }
    }

    private func runFollowUps() {
        followUps.value.timer = nil
        let now = NIODeadline.now()
        var due: [@Sendable () -> Void] = []
        followUps.value.due.removeAll { entry in
            guard entry.deadline <= now else { return false }
            due.append(entry.drain)
            return true
        }
        if let next = followUps.value.due.map(\.deadline).min() {
            armTimer(for: next)
        }
        for drain in due { drain() }
    }
}
