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
    /// The call waits for the operation to complete. A server that sends several results (a
    /// subscription sent through this method, for example) has them all read; the first is returned.
    ///
    /// - Parameter request: The operation.
    /// - Returns: The first result. It may carry ``GraphQLResponse/errors``.
    /// - Throws: ``GraphQLOperationError`` when the server answers with an `error` message or
    ///   completes without a result, ``GraphQLWebSocketClientError`` when the connection is lost.
    public func query(_ request: OperationRequest) async throws -> GraphQLResponse {
        var first: GraphQLResponse?
        for try await response in subscribe(request) where first == nil {
            first = response
        }
        guard let first else {
            throw GraphQLOperationError(errors: [
                GraphQLFormattedError(message: "The server completed the operation without a result")
            ])
        }
        return first
    }
}
