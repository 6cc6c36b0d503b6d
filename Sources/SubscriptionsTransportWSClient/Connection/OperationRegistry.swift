import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// The consumers of live operations, shared by callers (who register and cancel from any task) and
/// the driver (which delivers results and ends operations).
///
/// Consumers live here rather than in the driver's events so that none can be lost: an operation
/// registered before the driver gave up is failed by ``finishAll(with:)``, and one registered after
/// is failed at once by ``register(_:consumer:)``.
final class OperationRegistry: Sendable {
    typealias Consumer = AsyncThrowingStream<GraphQLResponse, any Error>.Continuation

    private struct State {
        var nextID = 1
        var consumers: [String: Consumer] = [:]
        var finalError: GraphQLWebSocketClientError?
        var subprotocol: WebSocketSubprotocol?
        var acknowledgementPayload: JSONObject?
    }

    private let state = Lock(State())
    private let events: AsyncStream<DriverEvent>.Continuation
    /// How many results of one operation may wait for its consumer.
    let maxBufferedResults: Int
    /// Bounds the messages read from the socket that the driver has not handled yet.
    let inbound: InboundAllowance

    init(events: AsyncStream<DriverEvent>.Continuation, maxBufferedResults: Int, maxQueuedMessages: Int) {
        self.events = events
        self.maxBufferedResults = max(1, maxBufferedResults)
        self.inbound = InboundAllowance(limit: maxQueuedMessages)
    }

    /// Registers an operation's consumer and tells the driver to start it.
    ///
    /// - Returns: The operation's id, or `nil` when the client is finished (the consumer is then
    ///   failed with the client's final error).
    func register(_ request: OperationRequest, consumer: Consumer) -> String? {
        let registered: Result<String, GraphQLWebSocketClientError> = state.withLock { state in
            if let error = state.finalError { return .failure(error) }
            let id = String(state.nextID)
            state.nextID += 1
            state.consumers[id] = consumer
            return .success(id)
        }
        switch registered {
        case .success(let id):
            consumer.onTermination = { [weak self] termination in
                if case .cancelled = termination { self?.cancel(id: id) }
            }
            events.yield(.subscribe(id: id, request: request))
            return id
        case .failure(let error):
            consumer.finish(throwing: error)
            return nil
        }
    }

    /// The caller stopped listening: forget the consumer and tell the driver, once.
    func cancel(id: String) {
        let removed = state.withLock { $0.consumers.removeValue(forKey: id) != nil }
        if removed { events.yield(.cancel(id: id)) }
    }

    /// Hands a result to the consumer of a live operation. When its buffer is full the consumer is
    /// too slow: its results end with ``ConsumerTooSlowError`` after those that wait, and the driver
    /// is told to stop the operation.
    func deliver(_ response: GraphQLResponse, to id: String) {
        guard let consumer = state.withLock({ $0.consumers[id] }) else { return }
        guard case .dropped = consumer.yield(response) else { return }
        guard let removed = removeConsumer(for: id) else { return }
        removed.finish(throwing: ConsumerTooSlowError(maxBufferedResults: maxBufferedResults))
        events.yield(.cancel(id: id))
    }

    /// Removes and returns the consumer of an operation that ended.
    func removeConsumer(for id: String) -> Consumer? {
        state.withLock { $0.consumers.removeValue(forKey: id) }
    }

    /// The client is finished: fail every consumer, and every later registration, with `error`;
    /// later events are dropped.
    func finishAll(with error: GraphQLWebSocketClientError) {
        let consumers = state.withLock { state in
            state.finalError = state.finalError ?? error
            defer { state.consumers.removeAll() }
            return Array(state.consumers.values)
        }
        for consumer in consumers { consumer.finish(throwing: error) }
        events.finish()
    }

    /// Records the acknowledged connection's subprotocol and ack payload.
    func acknowledged(subprotocol: WebSocketSubprotocol?, payload: JSONObject?) {
        state.withLock {
            $0.subprotocol = subprotocol
            $0.acknowledgementPayload = payload
        }
    }

    /// The subprotocol of the last acknowledged connection.
    var subprotocol: WebSocketSubprotocol? { state.withLock { $0.subprotocol } }

    /// The payload of the last `connection_ack`.
    var acknowledgementPayload: JSONObject? { state.withLock { $0.acknowledgementPayload } }

    /// Tells the driver something; ignored once it stopped.
    func post(_ event: DriverEvent) {
        events.yield(event)
    }
}
