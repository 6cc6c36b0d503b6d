import SubscriptionsTransportWS

/// The results of one operation; see ``GraphQLWebSocketConnection/subscribe(_:)``.
///
/// Each iteration runs the operation anew. Iteration ends when the server completes the operation,
/// and throws ``GraphQLOperationError`` or ``GraphQLWebSocketClientError`` when it fails.
public struct GraphQLSubscription: AsyncSequence, Sendable {
    /// One result.
    public typealias Element = GraphQLResponse
    /// Why iteration ended early.
    public typealias Failure = any Error

    /// The operation.
    public let request: OperationRequest
    let registry: OperationRegistry

    init(request: OperationRequest, registry: OperationRegistry) {
        self.request = request
        self.registry = registry
    }

    /// Starts the operation.
    public func makeAsyncIterator() -> Iterator {
        let (stream, consumer) = AsyncThrowingStream.makeStream(
            of: GraphQLResponse.self,
            bufferingPolicy: .bufferingOldest(registry.maxBufferedResults)
        )
        let id = registry.register(request, consumer: consumer)
        return Iterator(base: stream.makeAsyncIterator(), stopper: id.map { OperationStopper(id: $0, registry: registry) })
    }

    /// Reads the results of one run of the operation; dropping it stops the operation.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: AsyncThrowingStream<GraphQLResponse, any Error>.AsyncIterator
        private let stopper: OperationStopper?

        init(base: AsyncThrowingStream<GraphQLResponse, any Error>.AsyncIterator, stopper: OperationStopper?) {
            self.base = base
            self.stopper = stopper
        }

        /// The next result, or `nil` once the operation completed.
        public mutating func next() async throws -> GraphQLResponse? {
            try await base.next()
        }

        /// The next result, or `nil` once the operation completed.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> GraphQLResponse? {
            try await base.next(isolation: actor)
        }
    }
}

/// Stops an operation when the last copy of its iterator is dropped.
///
/// An `AsyncThrowingStream` ends only when its task is cancelled or the stream itself is released,
/// and the client keeps the stream's continuation, so leaving a `for` loop early would otherwise
/// never stop the operation on the server.
final class OperationStopper: Sendable {
    let id: String
    let registry: OperationRegistry

    init(id: String, registry: OperationRegistry) {
        self.id = id
        self.registry = registry
    }

    deinit {
        registry.cancel(id: id)
    }
}
