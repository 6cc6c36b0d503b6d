/// A message a client sends on a `graphql-ws` (Apollo `subscriptions-transport-ws`) connection,
/// or the reason a frame is not one.
enum GraphQLWSClientMessage: Sendable, Equatable {
    case connectionInit(payload: JSONObject)
    case start(id: OperationID, request: OperationRequest)
    case stop(id: OperationID)
    case connectionTerminate
    /// A client `ka`: not in the protocol, sent through some proxies; ignored.
    case keepAlive
    /// A `start` whose id or payload is unusable; `id` is nil when the id itself is bad.
    case invalidStart(id: OperationID?, message: String)
    /// A JSON object whose `type` is missing or not a client message type.
    case unknownType(id: OperationID?)
    /// Not JSON, or JSON that is not an object.
    case malformed(message: String)

    /// Decodes one text frame.
    static func decode(_ bytes: some Collection<UInt8>) -> GraphQLWSClientMessage {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            return .malformed(message: "Message must be JSON: \(error.message)")
        }
        guard case .object(let object) = value else {
            return .malformed(message: "Message must be a JSON object")
        }
        let id = object["id"].flatMap(OperationID.init)
        switch object["type"]?.stringValue {
        case "connection_init":
            return .connectionInit(payload: object["payload"]?.objectValue ?? [:])
        case "start":
            return decodeStart(object)
        case "stop":
            // A stop whose id names nothing cannot stop anything: an unknown id.
            return .stop(id: id ?? OperationID(""))
        case "connection_terminate":
            return .connectionTerminate
        case "ka":
            return .keepAlive
        default:
            return .unknownType(id: id)
        }
    }

    private static func decodeStart(_ object: JSONObject) -> GraphQLWSClientMessage {
        guard let rawID = object["id"], let id = OperationID(rawID) else {
            return .invalidStart(id: nil, message: "Start message must have an id that is a non-empty string or an integer")
        }
        guard case .object(var payload)? = object["payload"] else {
            return .invalidStart(id: id, message: "Start message must have a payload object")
        }
        guard case .string(let query)? = payload.removeValue(forKey: "query") else {
            return .invalidStart(id: id, message: "Start payload must have a query string")
        }
        var request = OperationRequest(query: query)
        switch payload.removeValue(forKey: "variables") {
        case nil, .null?: break
        case .object(let variables)?: request.variables = variables
        default: return .invalidStart(id: id, message: "Start payload variables must be an object")
        }
        switch payload.removeValue(forKey: "operationName") {
        case nil, .null?: break
        case .string(let name)?: request.operationName = name
        default: return .invalidStart(id: id, message: "Start payload operationName must be a string")
        }
        switch payload.removeValue(forKey: "extensions") {
        case nil, .null?: break
        case .object(let extensions)?: request.extensions = extensions
        default: return .invalidStart(id: id, message: "Start payload extensions must be an object")
        }
        request.otherPayloadFields = payload
        return .start(id: id, request: request)
    }
}

/// Frames a `graphql-ws` server sends.
enum GraphQLWSServerFrame {
    static func connectionAck(payload: JSONObject?) -> [UInt8] {
        FrameEncoding.frame(type: "connection_ack", payload: payload.map { JSONValue.object($0).encoded })
    }

    static let keepAlive = FrameEncoding.frame(type: "ka")

    static func connectionError(_ message: String) -> [UInt8] {
        FrameEncoding.frame(type: "connection_error", payload: FrameEncoding.messagePayload(message))
    }

    static func data(_ id: OperationID, _ result: ExecutionResult) -> [UInt8] {
        FrameEncoding.frame(type: "data", id: id, payload: result.encodedJSON)
    }

    static func error(_ id: OperationID?, _ message: String) -> [UInt8] {
        FrameEncoding.frame(type: "error", id: id, payload: FrameEncoding.messagePayload(message))
    }

    static func complete(_ id: OperationID) -> [UInt8] {
        FrameEncoding.frame(type: "complete", id: id)
    }
}
