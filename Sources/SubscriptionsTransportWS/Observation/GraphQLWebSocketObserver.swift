/// Watches what a server's connections do, for logs and metrics.
///
/// A server calls its observer synchronously from the connection's own tasks, so an observer must be
/// quick and must not block: count, log, or hand the event on. Events never carry a
/// `connection_init` payload, variables or results, which may hold secrets; they carry the ids,
/// sizes, operation names and types, W3C trace context fields, error messages and close codes an
/// operator needs.
///
/// `SubscriptionsTransportWSObservability` implements one on swift-log and swift-metrics,
/// `SubscriptionsTransportWSTracing` one on swift-distributed-tracing; ``ObserverGroup`` runs
/// several.
public protocol GraphQLWebSocketObserver: Sendable {
    /// Called for each event of a connection, in the order the connection saw them.
    ///
    /// - Parameters:
    ///   - event: What happened.
    ///   - connection: The connection it happened on.
    func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection)
}

/// Which connection an event belongs to.
public struct ObservedConnection: Sendable, Hashable {
    /// Numbers the connections of one server from 1, in the order they were created.
    public var id: UInt64
    /// The protocol the connection speaks.
    public var subprotocol: WebSocketSubprotocol

    /// Creates a connection description.
    public init(id: UInt64, subprotocol: WebSocketSubprotocol) {
        self.id = id
        self.subprotocol = subprotocol
    }
}

/// Several observers as one: each event goes to each, in order.
public struct ObserverGroup: GraphQLWebSocketObserver {
    /// The observers.
    public let observers: [any GraphQLWebSocketObserver]

    /// Groups `observers`.
    public init(_ observers: [any GraphQLWebSocketObserver]) {
        self.observers = observers
    }

    /// Hands the event to every observer.
    public func observe(_ event: GraphQLWebSocketEvent, on connection: ObservedConnection) {
        for observer in observers { observer.observe(event, on: connection) }
    }
}
