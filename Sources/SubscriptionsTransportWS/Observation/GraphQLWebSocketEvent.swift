/// Something that happened on a server connection; see ``GraphQLWebSocketObserver``.
///
/// Every connection reports ``opened`` first and ``closed(_:initiator:)`` once, after everything but
/// the ``messagesSent(count:bytes:)`` of messages the transport is still writing; every
/// ``operationStarted(_:operationName:)`` is followed by exactly one ``operationEnded(_:_:)`` for the
/// same id before the connection closes, so a gauge of live operations returns to zero.
public enum GraphQLWebSocketEvent: Sendable, Hashable {
    /// The connection started running.
    case opened
    /// The connect hook accepted the client and `connection_ack` was queued.
    case acknowledged
    /// The connect hook refused the client.
    case refused
    /// The connect hook threw; the connection closes with the protocol's internal-error code.
    case connectHookFailed(message: String)
    /// The connection took one inbound message of `bytes` bytes.
    case messageReceived(bytes: Int)
    /// The transport took `count` text messages, of `bytes` bytes in all, to write.
    case messagesSent(count: Int, bytes: Int)
    /// An operation started running.
    case operationStarted(OperationID, operationName: String?)
    /// An operation ended; it produces nothing more.
    case operationEnded(OperationID, OperationEnd)
    /// The connection ended. `closure.code` is `nil` when the socket went away without a close code.
    case closed(ConnectionClosure, initiator: CloseInitiator)
}

/// How an operation ended.
public enum OperationEnd: Sendable, Hashable {
    /// It delivered its results and completed.
    case completed
    /// It ended with errors instead of results: a request the executor refused, a source that
    /// failed, or an unexpected error. `message` is the first error's message.
    case failed(message: String)
    /// It was stopped before it ended: by the client, by a `start` reusing its id (`graphql-ws`), or
    /// by the connection closing.
    case stopped
}

/// Which side ended a connection.
public enum CloseInitiator: Sendable, Hashable {
    /// The server sent the close frame: a protocol rule, a refusal, a timeout or a shutdown.
    case server
    /// The client closed the socket, or the socket went away.
    case client
}
