/// Builds protocol frames with the key order `type`, `id`, `payload` and absent fields omitted.
enum FrameEncoding {
    static func frame(type: StaticString, id: OperationID? = nil, payload: [UInt8]? = nil) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(32 + (payload?.count ?? 0))
        frame.append(contentsOf: #"{"type":""#.utf8)
        frame.append(contentsOf: UnsafeBufferPointer(start: type.utf8Start, count: type.utf8CodeUnitCount))
        frame.append(UInt8(ascii: "\""))
        if let id {
            frame.append(contentsOf: #","id":"#.utf8)
            frame.appendJSON(id.jsonValue)
        }
        if let payload {
            frame.append(contentsOf: #","payload":"#.utf8)
            frame.append(contentsOf: payload)
        }
        frame.append(UInt8(ascii: "}"))
        return frame
    }

    /// The bytes of a frame up to its payload, `{"type":"…","id":…,"payload":`: the same for every
    /// result of one operation, so computed once per operation.
    static func prefix(type: StaticString, id: OperationID) -> [UInt8] {
        var prefix = frame(type: type, id: id, payload: [])
        prefix.removeLast()
        return prefix
    }

    /// A frame made of a ``prefix(type:id:)`` and a payload.
    static func frame(prefix: [UInt8], payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(prefix.count + payload.count + 1)
        frame.append(contentsOf: prefix)
        frame.append(contentsOf: payload)
        frame.append(UInt8(ascii: "}"))
        return frame
    }

    static func messagePayload(_ message: String) -> [UInt8] {
        var payload: [UInt8] = Array(#"{"message":"#.utf8)
        payload.appendJSONString(message)
        payload.append(UInt8(ascii: "}"))
        return payload
    }
}

/// The message a protocol reports for an error thrown by a hook or an executor.
func messageOf(_ error: any Error) -> String {
    switch error {
    case let error as GraphQLRequestError: return error.errors[0].message
    case let error as GraphQLFormattedError: return error.message
    default: return String(describing: error)
    }
}
