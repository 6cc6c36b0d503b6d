import SubscriptionsConcurrency

/// Records values from concurrent code (hooks, executors, transports) and lets a test wait for them.
public final class Recorder<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value] = []
        var waiters: [UInt64: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextTicket: UInt64 = 0
    }

    private let state = Lock(State())

    /// Creates an empty recorder.
    public init() {}

    /// Everything recorded so far, in order.
    public var values: [Value] { state.withLock { $0.values } }

    /// Records a value.
    public func record(_ value: Value) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.values.append(value)
            let count = state.values.count
            let ready = state.waiters.filter { $0.value.count <= count }
            for ticket in ready.keys { state.waiters[ticket] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Waits until at least `count` values were recorded (or the task is cancelled) and returns
    /// everything recorded.
    @discardableResult
    public func waitForCount(_ count: Int) async -> [Value] {
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.values.count >= count || Task.isCancelled { return true }
                    state.waiters[ticket] = (count, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: ticket) }?.continuation.resume()
        }
        return values
    }
}
