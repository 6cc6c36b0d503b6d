import SubscriptionsTransportWS
import Synchronization

/// A stream of execution results that a test controls: it emits, finishes or fails on command and
/// records whether its consumer stopped listening.
public final class TestSource: Sendable {
    /// The stream an executor returns.
    public let stream: AsyncThrowingStream<ExecutionResult, any Error>
    private let continuation: AsyncThrowingStream<ExecutionResult, any Error>.Continuation
    private let termination = Gate()

    /// Creates a source with nothing emitted yet.
    public init() {
        let (stream, continuation) = AsyncThrowingStream<ExecutionResult, any Error>.makeStream()
        self.stream = stream
        self.continuation = continuation
        let termination = termination
        continuation.onTermination = { _ in termination.open() }
    }

    /// Emits one result.
    public func emit(_ result: JSONValue) {
        continuation.yield(ExecutionResult(result))
    }

    /// Ends the stream normally.
    public func finish() {
        continuation.finish()
    }

    /// Ends the stream with an error.
    public func fail(_ error: any Error) {
        continuation.finish(throwing: error)
    }

    /// Whether the stream has ended: finished, failed, or cancelled by its consumer.
    public var isTerminated: Bool { termination.isOpen }

    /// Waits until the stream has ended.
    public func waitUntilTerminated() async {
        await termination.wait()
    }
}

/// An error with a fixed message, as tests throw from hooks, executors and sources.
public struct TestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message.
    public let message: String

    /// Creates an error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// A readable form, for logs and messages.
    public var description: String { message }
}
