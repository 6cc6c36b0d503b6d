import SubscriptionsTransportWS

/// A message the client sends, in terms common to both protocols; ``encoded(for:)`` gives the wire
/// form of one protocol.
enum ClientMessage: Sendable, Equatable {
    /// `connection_init`. On `graphql-ws` the payload is always sent (`{}` when there is none), as
    /// Apollo's client does; on `graphql-transport-ws` it is omitted when there is none.
    case connectionInit(payload: JSONObject?)
    /// `start` (`graphql-ws`) or `subscribe` (`graphql-transport-ws`).
    case subscribe(id: String, request: OperationRequest)
    /// `stop` (`graphql-ws`) or `complete` (`graphql-transport-ws`): the client stopped listening.
    case stop(id: String)
    /// `connection_terminate`; `graphql-ws` only (`graphql-transport-ws` clients just close).
    case connectionTerminate
    /// `ping`; `graphql-transport-ws` only.
    case ping(payload: JSONObject?)
    /// `pong`; `graphql-transport-ws` only.
    case pong(payload: JSONObject?)

    /// The text frame for this message on a connection speaking `subprotocol`.
    ///
    /// Members come in the order `type`, `id`, `payload`, and absent members are omitted rather than
    /// sent as `null`, matching what the reference clients send.
    ///
    /// - Parameter subprotocol: The negotiated subprotocol.
    /// - Returns: The frame's JSON text.
    func encoded(for subprotocol: WebSocketSubprotocol) -> String {
        let isTransportWS = subprotocol == .graphQLTransportWS
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        switch self {
        case .connectionInit(let payload):
            let payload = isTransportWS ? payload : (payload ?? [:])
            Self.appendEnvelope(&bytes, type: "connection_init", payload: payload)
        case .subscribe(let id, let request):
            Self.appendEnvelope(&bytes, type: isTransportWS ? "subscribe" : "start", id: id) {
                Self.appendRequest(&$0, request)
            }
        case .stop(let id):
            Self.appendEnvelope(&bytes, type: isTransportWS ? "complete" : "stop", id: id)
        case .connectionTerminate:
            Self.appendEnvelope(&bytes, type: "connection_terminate")
        case .ping(let payload):
            Self.appendEnvelope(&bytes, type: "ping", payload: payload)
        case .pong(let payload):
            Self.appendEnvelope(&bytes, type: "pong", payload: payload)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendEnvelope(_ bytes: inout [UInt8], type: String, id: String? = nil, payload: JSONObject?) {
        appendEnvelope(&bytes, type: type, id: id, appendingPayload: payload.map { payload in { $0.appendJSON(.object(payload)) } })
    }

    private static func appendEnvelope(
        _ bytes: inout [UInt8],
        type: String,
        id: String? = nil,
        appendingPayload appendPayload: ((inout [UInt8]) -> Void)? = nil
    ) {
        bytes.append(contentsOf: #"{"type":"#.utf8)
        bytes.appendJSONString(type)
        if let id {
            bytes.append(contentsOf: #","id":"#.utf8)
            bytes.appendJSONString(id)
        }
        if let appendPayload {
            bytes.append(contentsOf: #","payload":"#.utf8)
            appendPayload(&bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends `{"query", "variables"?, "operationName"?, "extensions"?, ...other}`; empty variables
    /// are omitted, as both reference clients do when the caller gave none.
    private static func appendRequest(_ bytes: inout [UInt8], _ request: OperationRequest) {
        bytes.append(contentsOf: #"{"query":"#.utf8)
        bytes.appendJSONString(request.query)
        if !request.variables.isEmpty {
            bytes.append(contentsOf: #","variables":"#.utf8)
            bytes.appendJSON(.object(request.variables))
        }
        if let operationName = request.operationName {
            bytes.append(contentsOf: #","operationName":"#.utf8)
            bytes.appendJSONString(operationName)
        }
        if let extensions = request.extensions {
            bytes.append(contentsOf: #","extensions":"#.utf8)
            bytes.appendJSON(.object(extensions))
        }
        for (key, value) in request.otherPayloadFields
        where !["query", "variables", "operationName", "extensions"].contains(key) {
            bytes.append(UInt8(ascii: ","))
            bytes.appendJSONString(key)
            bytes.append(UInt8(ascii: ":"))
            bytes.appendJSON(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
