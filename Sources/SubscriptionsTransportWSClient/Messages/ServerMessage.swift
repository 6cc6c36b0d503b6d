import SubscriptionsTransportWS

/// A message a server sends, decoded for one protocol, in terms common to both.
enum ServerMessage: Sendable, Equatable {
    /// `connection_ack`, with its payload if it had an object.
    case connectionAck(payload: JSONObject?)
    /// `connection_error` (`graphql-ws` only): the server rejected the connection.
    case connectionError(payload: JSONValue)
    /// `ka` (`graphql-ws` only): the server is alive.
    case keepAlive
    /// `ping` (`graphql-transport-ws` only): to be answered with `pong` at once.
    case ping(payload: JSONObject?)
    /// `pong` (`graphql-transport-ws` only).
    case pong(payload: JSONObject?)
    /// `data` (`graphql-ws`) or `next` (`graphql-transport-ws`): one result of an operation.
    case next(id: String, payload: JSONValue)
    /// `error`: the operation failed and is over.
    case error(id: String, errors: [GraphQLFormattedError])
    /// `complete`: the operation is over.
    case complete(id: String)

    /// Decodes one text frame received on a connection speaking `subprotocol`.
    ///
    /// Decoding is as lenient as the reference clients where that is harmless: unknown members are
    /// ignored, `graphql-ws` ids may be integers, and an `error` payload may have any of the shapes
    /// ``GraphQLFormattedError/decodeList(_:)`` accepts. Types the protocol does not define for a
    /// server (for example `ka` on `graphql-transport-ws`) are rejected.
    ///
    /// - Parameters:
    ///   - bytes: The frame's UTF-8 text.
    ///   - subprotocol: The negotiated subprotocol.
    /// - Returns: The message.
    /// - Throws: ``InvalidServerMessage`` naming what is wrong.
    static func decode(
        _ bytes: some Collection<UInt8>,
        for subprotocol: WebSocketSubprotocol
    ) throws(InvalidServerMessage)
        -> ServerMessage
    {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw InvalidServerMessage("Message is not JSON: \(error.message)")
        }
        guard case .object(let object) = value else {
            throw InvalidServerMessage("Message is not a JSON object")
        }
        guard case .string(let type)? = object["type"] else {
            throw InvalidServerMessage("Message has no string type")
        }
        let isTransportWS = subprotocol == .graphQLTransportWS
        switch (type, isTransportWS) {
        case ("connection_ack", _):
            return .connectionAck(payload: try optionalObjectPayload(object, type: type, strict: isTransportWS))
        case ("connection_error", false):
            return .connectionError(payload: object["payload"] ?? .null)
        case ("ka", false):
            return .keepAlive
        case ("ping", true):
            return .ping(payload: try optionalObjectPayload(object, type: type, strict: true))
        case ("pong", true):
            return .pong(payload: try optionalObjectPayload(object, type: type, strict: true))
        case ("data", false), ("next", true):
            let id = try operationID(object, type: type)
            guard case .object? = object["payload"] else {
                throw InvalidServerMessage("\(type) message for \(id) has no payload object")
            }
            return .next(id: id, payload: object["payload"]!)
        case ("error", _):
            let id = try operationID(object, type: type)
            if isTransportWS {
                guard case .array(let errors)? = object["payload"], !errors.isEmpty else {
                    throw InvalidServerMessage("error message for \(id) has no non-empty payload array")
                }
            }
            return .error(id: id, errors: GraphQLFormattedError.decodeList(object["payload"]))
        case ("complete", _):
            return .complete(id: try operationID(object, type: type))
        default:
            throw InvalidServerMessage("Unexpected message type \(type) on \(subprotocol.name)")
        }
    }

    private static func operationID(_ object: JSONObject, type: String) throws(InvalidServerMessage) -> String {
        switch object["id"] {
        case .string(let id)? where !id.isEmpty: return id
        // Apollo's server echoes ids in the client's JSON form; accept integers from lenient servers.
        case .integer(let id)?: return String(id)
        default: throw InvalidServerMessage("\(type) message has no valid id")
        }
    }

    /// `graphql-transport-ws` requires an object or nothing; `graphql-ws` never said, so there a
    /// payload of another type is ignored.
    private static func optionalObjectPayload(
        _ object: JSONObject,
        type: String,
        strict: Bool
    )
        throws(InvalidServerMessage) -> JSONObject?
    {
        switch object["payload"] {
        case nil, .null?: return nil
        case .object(let payload)?: return payload
        default:
            if strict { throw InvalidServerMessage("\(type) payload is not an object") }
            return nil
        }
    }
}
