/// A message a client sends on a `graphql-transport-ws` connection, or why a frame is not a valid one.
enum GraphQLTransportWSClientMessage: Sendable, Equatable {
    case connectionInit(payload: JSONObject?)
    case ping(payload: JSONObject?)
    case pong(payload: JSONObject?)
    case subscribe(id: OperationID, request: OperationRequest)
    case complete(id: OperationID)
    /// Anything the protocol does not allow a client to send; the connection closes 4400.
    case invalid(String)

    /// Decodes and validates one text frame as the protocol's `validateMessage` does.
    static func decode(_ bytes: some Collection<UInt8>) -> GraphQLTransportWSClientMessage {
        guard case .object(let object)? = try? JSONValue.parse(bytes) else {
            return .invalid("Message is not a JSON object")
        }
        guard case .string(let type)? = object["type"], !type.isEmpty else {
            return .invalid("Message is missing the 'type' property")
        }
        switch type {
        case "connection_init":
            return optionalObject(object["payload"]).map { .connectionInit(payload: $0) } ?? .invalid("Invalid payload")
        case "ping":
            return optionalObject(object["payload"]).map { .ping(payload: $0) } ?? .invalid("Invalid payload")
        case "pong":
            return optionalObject(object["payload"]).map { .pong(payload: $0) } ?? .invalid("Invalid payload")
        case "subscribe":
            guard let id = stringID(object["id"]) else { return .invalid("Invalid id") }
            return decodeSubscribe(id: id, payload: object["payload"])
        case "complete":
            guard let id = stringID(object["id"]) else { return .invalid("Invalid id") }
            return .complete(id: id)
        default:
            return .invalid("Unexpected message of type \(type) received")
        }
    }

    /// An optional object member: absent or `null` is `.some(nil)`; anything but an object is `nil`.
    private static func optionalObject(_ value: JSONValue?) -> JSONObject?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .object(let object)?: return .some(object)
        default: return nil
        }
    }

    private static func stringID(_ value: JSONValue?) -> OperationID? {
        guard case .string(let id)? = value, !id.isEmpty else { return nil }
        return OperationID(id)
    }

    private static func decodeSubscribe(id: OperationID, payload: JSONValue?) -> GraphQLTransportWSClientMessage {
        guard case .object(var payload)? = payload,
            case .string(let query)? = payload.removeValue(forKey: "query")
        else { return .invalid("Invalid subscribe payload") }
        var request = OperationRequest(query: query)
        guard let variables = optionalObject(payload.removeValue(forKey: "variables")),
            let extensions = optionalObject(payload.removeValue(forKey: "extensions"))
        else { return .invalid("Invalid subscribe payload") }
        request.variables = variables ?? [:]
        request.extensions = extensions
        switch payload.removeValue(forKey: "operationName") {
        case nil, .null?: break
        case .string(let name)?: request.operationName = name
        default: return .invalid("Invalid subscribe payload")
        }
        request.otherPayloadFields = payload
        return .subscribe(id: id, request: request)
    }
}

/// Frames a `graphql-transport-ws` server sends.
enum GraphQLTransportWSServerFrame {
    static func connectionAck(payload: JSONObject?) -> [UInt8] {
        FrameEncoding.frame(type: "connection_ack", payload: payload.map { JSONValue.object($0).encoded })
    }

    static func ping(payload: JSONObject?) -> [UInt8] {
        FrameEncoding.frame(type: "ping", payload: payload.map { JSONValue.object($0).encoded })
    }

    static func pong(payload: JSONObject?) -> [UInt8] {
        FrameEncoding.frame(type: "pong", payload: payload.map { JSONValue.object($0).encoded })
    }

    static func error(_ id: OperationID, _ errors: [GraphQLFormattedError]) -> [UInt8] {
        FrameEncoding.frame(type: "error", id: id, payload: JSONValue.array(errors.map(\.jsonValue)).encoded)
    }

    static func complete(_ id: OperationID) -> [UInt8] {
        FrameEncoding.frame(type: "complete", id: id)
    }
}
