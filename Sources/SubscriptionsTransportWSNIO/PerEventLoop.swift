import NIOCore
import SubscriptionsConcurrency

/// One value per event loop, made on first use and kept for the life of the process: the shared
/// state of all channels of one loop. The loop is kept with its value, so that a loop's identity is
/// never reused for another while the value lives.
final class PerEventLoop<Value: Sendable>: Sendable {
    private let values = Lock<[ObjectIdentifier: (loop: any EventLoop, value: Value)]>([:])

    /// The value of `eventLoop`, made by `make` if it has none yet.
    ///
    /// - Returns: The value, and whether this call made it.
    func value(for eventLoop: any EventLoop, make: (any EventLoop) -> Value) -> (value: Value, isNew: Bool) {
        values.withLock { values in
            let key = ObjectIdentifier(eventLoop)
            if let entry = values[key] { return (entry.value, false) }
            let value = make(eventLoop)
            values[key] = (eventLoop, value)
            return (value, true)
        }
    }
}
