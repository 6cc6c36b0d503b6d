import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// Carries inbound messages from websocket-kit's synchronous callbacks to the session's reader, in
/// arrival order, within a byte budget.
///
/// websocket-kit calls `onText` and `onBinary` on the socket's event loop and offers no way to pause
/// reading, while the connection's `receive` is `async` (it waits while the connection is behind).
/// A callback cannot wait, so it only appends here; one reader takes the events in order. (The
/// `async` overloads of `onText`/`onBinary` start a task per message and lose the order.)
///
/// Buffering policy: messages wait here until the reader hands them on, up to `budget` bytes of
/// payload. Nothing is dropped silently and memory stays bounded:
/// - a message over the protocol's limit becomes a close with 1009 (message too big);
/// - a message that would take the buffer over `budget` while others are still waiting becomes a
///   close with 1008 (policy violation): the client sends faster than the connection handles
///   messages, and the only other choices are unbounded memory or losing messages. A single
///   message always fits, so a client that waits for answers never meets the budget.
///
/// After a close, later messages are dropped: the connection sends nothing more after its close frame.
///
/// ``overflowed`` is set with the 1008 close, for a reader that waits for room in the outbound
/// buffer of a client that reads nothing: it would otherwise never reach the close.
final class InboundBuffer: Sendable {
    /// What the reader hands to the connection, in order.
    enum Event: Sendable, Equatable {
        /// A message for the connection.
        case frame(InboundFrame)
        /// Close the connection; no message follows.
        case close(code: UInt16, reason: String)
    }

    private struct State {
        var bufferedBytes = 0
        var closed = false
    }

    /// The events, in arrival order; finished when the socket is closed.
    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let state = Lock(State())
    private let maxMessageBytes: Int
    private let budget: Int
    /// Set once the budget was exceeded (the 1008 close is queued).
    let overflowed = OneShot<Void>()

    /// Creates a buffer.
    ///
    /// - Parameters:
    ///   - maxMessageBytes: The largest message the connection's protocol accepts.
    ///   - budget: How many bytes of messages may wait for the reader.
    init(maxMessageBytes: Int, budget: Int) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
        self.maxMessageBytes = maxMessageBytes
        self.budget = budget
    }

    /// Appends a message from the socket; called from websocket-kit's callbacks, which run one at a
    /// time on the socket's event loop, so appending in call order keeps arrival order.
    func append(_ frame: InboundFrame) {
        let size = frame.byteCount
        var overflow = false
        let event = state.withLock { state -> Event? in
            guard !state.closed else { return nil }
            if size > maxMessageBytes {
                state.closed = true
                return .close(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
            }
            if state.bufferedBytes > 0, state.bufferedBytes + size > budget {
                state.closed = true
                overflow = true
                return .close(code: 1008, reason: "Too many messages waiting")
            }
            state.bufferedBytes += size
            return .frame(frame)
        }
        if let event { continuation.yield(event) }
        if overflow { overflowed.fulfill(()) }
    }

    /// Gives back the budget a message took, once the connection has it.
    func handedOn(_ frame: InboundFrame) {
        let size = frame.byteCount
        state.withLock { $0.bufferedBytes -= size }
    }

    /// Ends the events: the socket is closed.
    func finish() {
        continuation.finish()
    }
}

extension InboundFrame {
    /// The size of the message's payload, in bytes.
    fileprivate var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}
