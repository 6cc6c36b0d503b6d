import SubscriptionsConcurrency
import Testing

/// The package's waiting primitive under cancellation races: every waiter comes back, whenever its
/// task is cancelled.
@Suite("OneShot")
struct OneShotTests {
    private enum Outcome: Sendable {
        case returned(Int?)
        case hung
    }

    @Test("A waiter cancelled at any moment of its wait returns nil")
    func cancelledWaitersReturn() async {
        // Each waiter is cancelled while it may be anywhere in `waitUnlessCancelled`. One that missed
        // its cancellation would wait for a value that never comes; the deadline records that as a
        // failure instead of hanging the run.
        for round in 0..<20_000 {
            let value = OneShot<Int>()
            let waiter = Task { await value.waitUnlessCancelled() }
            if round % 2 == 0 { await Task.yield() }
            waiter.cancel()
            let outcome = OneShot<Outcome>()
            Task { outcome.fulfill(.returned(await waiter.value)) }
            let deadline = Task {
                guard (try? await Task.sleep(for: .seconds(20))) != nil else { return }
                outcome.fulfill(.hung)
            }
            let result = await outcome.wait()
            deadline.cancel()
            guard case .returned(nil) = result else {
                Issue.record("round \(round): the cancelled waiter \(result)")
                return
            }
        }
    }
}
