/// Something that happened on a server connection; see ``GraphQLWebSocketObserver``.
///
/// Every connection reports ``opened`` first and ``closed(_:initiator:)`` once, after everything but
/// the ``messagesSent(count:bytes:)`` of messages the transport is still writing; every
/// ``operationStarted(_:operationName:operationType:)`` is followed by exactly one ``operationEnded(_:_:)`` for the
/// same id before the connection closes, so a gauge of live operations returns to zero.
public enum GraphQLWebSocketEvent: Sendable, Hashable {
    /// The connection started running, with the W3C trace context fields (`traceparent`,
    /// `tracestate`) of the request that opened its WebSocket, if it had any. Nothing else of the
    /// request is reported: its cookies and credentials stay with the connect hook.
    case opened(traceHeaders: [String: String])
    /// The connect hook accepted the client and `connection_ack` was queued, with the W3C trace
    /// context fields (`traceparent`, `tracestate`) of the `connection_init` payload, if any.
    case acknowledged(traceHeaders: [String: String])
    /// The connect hook refused the client.
    case refused
    /// The connect hook threw; the connection closes with the protocol's internal-error code.
    case connectHookFailed(message: String)
    /// The connection took one inbound message of `bytes` bytes.
    case messageReceived(bytes: Int)
    /// The transport took `count` text messages, of `bytes` bytes in all, to write.
    case messagesSent(count: Int, bytes: Int)
    /// An operation started running: its id, its operation name if the client gave one, and the
    /// type of the operation its document selects (`nil` when the document does not say, for
    /// example when it does not parse).
    case operationStarted(OperationID, operationName: String?, operationType: GraphQLOperationType?)
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

/// The three kinds of GraphQL operation.
public enum GraphQLOperationType: String, Sendable, Hashable {
    case query
    case mutation
    case subscription
}

/// The W3C trace context fields (`traceparent`, `tracestate`) a connection reports to observers.
enum TraceHeaders {
    static let names = ["traceparent", "tracestate"]

    static func of(_ request: UpgradeRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for name in names { if let value = request.header(name) { fields[name] = value } }
        return fields
    }

    static func of(_ payload: JSONObject?) -> [String: String] {
        var fields: [String: String] = [:]
        for name in names { if case .string(let value)? = payload?[name] { fields[name] = value } }
        return fields
    }
}
