import SubscriptionsConcurrency
import Testing

/// The package's waiting primitive under cancellation races: every waiter comes back, whenever its
/// task is cancelled.
@Suite("OneShot")
struct OneShotTests {
    @Test("A waiter cancelled at any moment of its wait returns nil")
    func cancelledWaitersReturn() async {
        // Each waiter is cancelled while it may be anywhere in `waitUnlessCancelled`. One that missed
        // its cancellation would wait for a value that never comes: the watchdog then ends the
        // round's wait with `nil`, which fails the test instead of hanging the run.
        let round = Lock<(number: Int, returned: OneShot<Int??>?)>((0, nil))
        let watchdog = Task {
            var seen = -1
            while (try? await Task.sleep(for: .seconds(20))) != nil {
                let (number, returned) = round.withLock { $0 }
                if number == seen { returned?.fulfill(nil) }
                seen = number
            }
        }
        defer { watchdog.cancel() }
        for number in 0..<20_000 {
            let value = OneShot<Int>()
            let waiter = Task { await value.waitUnlessCancelled() }
            if number.isMultiple(of: 2) { await Task.yield() }
            waiter.cancel()
            let returned = OneShot<Int??>()
            round.withLock { $0 = (number, returned) }
            Task { returned.fulfill(.some(await waiter.value)) }
            guard case .some(.none) = await returned.wait() else {
                Issue.record("round \(number): the cancelled waiter did not return nil")
                return
            }
        }
    }
}

@Suite("OneShot callbacks")
struct OneShotCallbackTests {
    @Test func callbacksRunOnceWithTheValueWhetherRegisteredBeforeOrAfter() {
        let value = OneShot<Int>()
        let seen = Lock<[String]>([])
        value.whenFulfilled { number in seen.withLock { $0.append("early \(number)") } }
        #expect(seen.withLock { $0 }.isEmpty)
        value.fulfill(7)
        value.fulfill(8)
        value.whenFulfilled { number in seen.withLock { $0.append("late \(number)") } }
        #expect(seen.withLock { $0 } == ["early 7", "late 7"])
    }
}
