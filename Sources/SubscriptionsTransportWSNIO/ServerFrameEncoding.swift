import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames written straight into one buffer: a server's frames are not
/// masked, so a whole batch of them is one contiguous write.
extension ByteBuffer {
    /// The bytes a header takes for a payload of `length` bytes (RFC 6455 §5.2).
    static func webSocketHeaderSize(payloadLength length: Int) -> Int {
        length < 126 ? 2 : (length <= Int(UInt16.max) ? 4 : 10)
    }

    /// Appends the header of one unmasked, final frame.
    mutating func writeWebSocketHeader(opcode: WebSocketOpcode, payloadLength length: Int) {
        writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        if length < 126 {
            writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            writeInteger(UInt8(126))
            writeInteger(UInt16(length))
        } else {
            writeInteger(UInt8(127))
            writeInteger(UInt64(length))
        }
    }

    /// Appends one unmasked, final frame holding `payload`.
    mutating func writeWebSocketFrame(opcode: WebSocketOpcode, payload: some Collection<UInt8>) {
        writeWebSocketHeader(opcode: opcode, payloadLength: payload.count)
        writeBytes(payload)
    }

    /// Appends a close frame with `code` and `reason`, which the connection's outbound queue has
    /// already cut to fit.
    mutating func writeWebSocketClose(code: UInt16, reason: String) {
        writeWebSocketHeader(opcode: .connectionClose, payloadLength: 2 + reason.utf8.count)
        writeInteger(code)
        writeString(reason)
    }
}
