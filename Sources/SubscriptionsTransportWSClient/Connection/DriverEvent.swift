import SubscriptionsTransportWS

/// An input of the driver's loop, from the caller's tasks, the ticker or a connection attempt.
enum DriverEvent: Sendable {
    /// A caller started an operation; its consumer is registered in the ``OperationRegistry``.
    case subscribe(id: String, request: OperationRequest)
    /// A caller stopped listening to an operation.
    case cancel(id: String)
    /// The connection scope ended: close for good.
    case shutdown
    /// Time passed; deadlines are checked.
    case tick
    /// Something happened to connection attempt number `attempt`.
    case transport(attempt: Int, TransportEvent)
}
