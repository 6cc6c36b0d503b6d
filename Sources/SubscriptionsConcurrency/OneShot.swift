import Synchronization

/// A value that is set once and that any number of tasks can wait for: the package's one waiting
/// primitive, for "until this has happened" (a connection ended, a server drained, a gate opened),
/// and, around ``takeOrWait(_:take:park:)``, for "the next of many" (a queue's consumer).
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [UInt64: CheckedContinuation<Value?, Never>] = [:]
        var callbacks: [@Sendable (Value) -> Void] = []
        var nextTicket: UInt64 = 0
    }

    private let state = Lock(State())

    package init() {}

    /// The value, if it was set.
    package var value: Value? { state.withLock { $0.value } }

    /// Sets the value and wakes every waiter; later calls change nothing.
    ///
    /// - Returns: Whether this call set the value.
    @discardableResult
    package func fulfill(_ value: Value) -> Bool {
        let woken = state.withLock { state -> ([CheckedContinuation<Value?, Never>], [@Sendable (Value) -> Void])? in
            guard state.value == nil else { return nil }
            state.value = value
            defer {
                state.waiters = [:]
                state.callbacks = []
            }
            return (Array(state.waiters.values), state.callbacks)
        }
        guard let (waiters, callbacks) = woken else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        for callback in callbacks { callback(value) }
        return true
    }

    /// Calls `callback` with the value once it is set: at once if it is, otherwise on the thread
    /// that sets it. For hosts that wait without a task.
    package func whenFulfilled(_ callback: @escaping @Sendable (Value) -> Void) {
        let value = state.withLock { state -> Value? in
            if state.value == nil { state.callbacks.append(callback) }
            return state.value
        }
        if let value { callback(value) }
    }

    /// Waits for the value, whatever happens to the waiting task.
    package func wait() async -> Value {
        if let value { return value }
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        return await withCheckedContinuation { continuation in
            register(ticket, continuation, unlessCancelled: false)
        }!
    }

    /// Waits for the value, or until the waiting task is cancelled.
    ///
    /// - Returns: The value, or `nil` when the task was cancelled first.
    package func waitUnlessCancelled() async -> Value? {
        if let value { return value }
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                register(ticket, continuation, unlessCancelled: true)
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume(returning: nil)
        }
    }

    /// Stores the waiter, or resumes it at once with the value, or with `nil` when `unlessCancelled`
    /// and the task is cancelled. The cancellation check happens under the lock: a cancellation
    /// either finds the stored waiter (its handler takes the lock after setting the flag) or is seen
    /// here. Checked before taking the lock, a cancellation in between was lost and the waiter hung.
    private func register(_ ticket: UInt64, _ continuation: CheckedContinuation<Value?, Never>, unlessCancelled: Bool) {
        let ready = state.withLock { state -> Value?? in
            if let value = state.value { return .some(value) }
            if unlessCancelled, Task.isCancelled { return .some(nil) }
            state.waiters[ticket] = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }
}
