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

    /// An id's JSON text as frames carry it. Kept as a `String`, a short id (up to 15 bytes, as
    /// clients' ids are) is stored inline: building a result frame then reads no memory of its own.
    static func encodedID(_ id: OperationID) -> String {
        var bytes: [UInt8] = []
        bytes.appendJSON(id.jsonValue)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The frame `{"type":"…","id":…,"payload":…}` of one result, from the id's ``encodedID(_:)``.
    static func resultFrame(type: StaticString, encodedID: String, payload: [UInt8]) -> [UInt8] {
        var encodedID = encodedID
        return encodedID.withUTF8 { id in
            let type = UnsafeBufferPointer(start: type.utf8Start, count: type.utf8CodeUnitCount)
            var frame: [UInt8] = []
            frame.reserveCapacity(32 + type.count + id.count + payload.count)
            frame.append(contentsOf: #"{"type":""#.utf8)
            frame.append(contentsOf: type)
            frame.append(contentsOf: #"","id":"#.utf8)
            frame.append(contentsOf: id)
            frame.append(contentsOf: #","payload":"#.utf8)
            frame.append(contentsOf: payload)
            frame.append(UInt8(ascii: "}"))
            return frame
        }
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
