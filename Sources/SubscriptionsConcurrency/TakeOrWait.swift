/// The consumer's half of a queue guarded by `lock`: takes what is ready, or else stores a fresh
/// ``OneShot`` with `park` and waits for a producer to set it, then tries again. Producers take the
/// stored one-shot out under the lock and set it after they changed the state.
///
/// With ``OneShot`` this is the package's whole waiting toolkit: "until it has happened" is a
/// one-shot, "the next of many" is this loop around one.
///
/// - Parameters:
///   - lock: Guards the queue's state.
///   - take: Returns what is ready, or `nil` to wait.
///   - park: Stores the one-shot that wakes the consumer.
/// - Returns: What `take` returned, or `nil` when the calling task is cancelled first.
package func takeOrWait<State: Sendable, Value: Sendable>(
    _ lock: borrowing Lock<State>,
    take: (inout State) -> Value?,
    park: (inout State, OneShot<Void>) -> Void
) async -> Value? {
    while !Task.isCancelled {
        var waiter: OneShot<Void>?
        let ready = lock.withLock { state -> Value? in
            if let ready = take(&state) { return ready }
            let wake = OneShot<Void>()
            park(&state, wake)
            waiter = wake
            return nil
        }
        if let ready { return ready }
        _ = await waiter?.waitUnlessCancelled()
    }
    return nil
}
