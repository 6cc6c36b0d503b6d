import SubscriptionsConcurrency

/// A one-way gate: tasks wait until it is opened; once open it stays open.
public final class Gate: Sendable {
    private let opened = OneShot<Void>()

    /// Creates a closed gate.
    public init() {}

    /// Whether the gate has been opened.
    public var isOpen: Bool { opened.value != nil }

    /// Opens the gate and releases every waiter.
    public func open() {
        opened.fulfill(())
    }

    /// Waits until the gate is open, or until the waiting task is cancelled.
    public func wait() async {
        _ = await opened.waitUnlessCancelled()
    }
}
