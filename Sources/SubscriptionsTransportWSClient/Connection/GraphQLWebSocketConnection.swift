import SubscriptionsTransportWS

/// An acknowledged connection, inside ``GraphQLWebSocketClient/withConnection(isolation:_:)``: runs
/// operations.
///
/// The value may be passed to other tasks of the connection's scope; operations run concurrently,
/// each with its own id.
public struct GraphQLWebSocketConnection: Sendable {
    let registry: OperationRegistry

    /// The subprotocol of the current (or last) acknowledged connection.
    ///
    /// With ``GraphQLWebSocketClient/ProtocolChoice/automatic`` it is the one the server picked; it
    /// can change when the client reconnects.
    public var subprotocol: WebSocketSubprotocol? { registry.subprotocol }

    /// The payload of the last `connection_ack`, if it had one.
    public var acknowledgementPayload: JSONObject? { registry.acknowledgementPayload }

    /// An operation's results, as the server sends them.
    ///
    /// The operation starts when iteration starts (each iteration is a new operation) and ends when
    /// the server completes it. Leaving the loop early, or cancelling the iterating task, stops it:
    /// the client sends `stop` (`graphql-ws`) or `complete` (`graphql-transport-ws`).
    ///
    /// ```swift
    /// for try await result in connection.subscribe(OperationRequest(query: "subscription { counter(n: 3) }")) {
    ///     print(result.data ?? .null)
    /// }
    /// ```
    ///
    /// Iteration throws ``GraphQLOperationError`` when the server ends the operation with an `error`
    /// message, and ``GraphQLWebSocketClientError`` when the connection is lost for good. Results
    /// with `errors` (for example validation errors on `graphql-ws`) are results, not thrown.
    ///
    /// - Parameter request: The operation.
    /// - Returns: The results.
    public func subscribe(_ request: OperationRequest) -> GraphQLSubscription {
        GraphQLSubscription(request: request, registry: registry)
    }

    /// Runs a query or mutation and returns its result.
    ///
    /// A query or mutation has exactly one result, so the call returns as soon as it arrives,
    /// whether or not the server then completes the operation (some servers, Ariadne on
    /// `graphql-ws` among them, never send `complete` for a query). The operation is then stopped
    /// on the server (`stop` on `graphql-ws`, `complete` on `graphql-transport-ws`) unless the
    /// server completed it already.
    ///
    /// - Parameter request: The operation.
    /// - Returns: The result. It may carry ``GraphQLResponse/errors``.
    /// - Throws: ``GraphQLOperationError`` when the server answers with an `error` message or
    ///   completes without a result, ``GraphQLWebSocketClientError`` when the connection is lost.
    public func query(_ request: OperationRequest) async throws -> GraphQLResponse {
        // Leaving the loop drops the iterator, which stops the operation on the server.
        for try await response in subscribe(request) {
            return response
        }
        throw GraphQLOperationError(errors: [
            GraphQLFormattedError(message: "The server completed the operation without a result")
        ])
    }
}
