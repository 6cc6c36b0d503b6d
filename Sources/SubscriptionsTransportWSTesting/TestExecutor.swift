import SubscriptionsTransportWS

/// An executor spy: records every request and answers with a ``TestSource`` the test controls,
/// or with whatever a custom handler returns.
public final class TestExecutor<Context: Sendable>: GraphQLExecutor, Sendable {
    /// One call of ``execute(_:context:)``.
    public struct Call: Sendable {
        /// The request the executor received.
        public let request: OperationRequest
        /// The connection context it received.
        public let context: Context
        /// The source returned for it (the default handler's), if any.
        public let source: TestSource?
    }

    /// Decides the outcome of one call; `source` is a fresh source the handler may return.
    public typealias Handler =
        @Sendable (_ request: OperationRequest, _ context: Context, _ source: TestSource)
        async throws -> ExecutionOutcome

    private let handler: Handler
    private let recorder = Recorder<Call>()

    /// Creates a spy.
    ///
    /// - Parameter handler: Answers each call; by default every call streams from a fresh ``TestSource``.
    public init(handler: @escaping Handler = { _, _, source in .stream(source.stream) }) {
        self.handler = handler
    }

    /// Every call so far.
    public var calls: [Call] { recorder.values }

    /// Waits for call number `index` (from 0) and returns it.
    public func call(_ index: Int) async -> Call {
        await recorder.waitForCount(index + 1)[index]
    }

    /// Records the call, then answers with the handler.
    public func execute(_ request: OperationRequest, context: Context) async throws -> ExecutionOutcome {
        let source = TestSource()
        recorder.record(Call(request: request, context: context, source: source))
        return try await handler(request, context, source)
    }
}
