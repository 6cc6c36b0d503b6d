import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// The server side of one scripted connection.
struct ScriptedSocket {
    /// What the client sent.
    enum Received: Equatable {
        case message(JSONValue)
        case ping
        case close(code: UInt16?)
        /// The connection ended without a close frame.
        case ended
    }

    private var frames: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    init(inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) {
        self.frames = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// The next thing the client sent; pongs are skipped.
    mutating func receive() async throws -> Received {
        while true {
            guard let frame = try await frames.next() else { return .ended }
            switch frame.opcode {
            case .text, .binary: return .message(try JSONValue.parse(frame.unmaskedData.readableBytesView))
            case .ping: return .ping
            case .connectionClose:
                var data = frame.unmaskedData
                return .close(code: data.readInteger(as: UInt16.self))
            default: continue
            }
        }
    }

    /// The next message, failing on anything else.
    mutating func receiveMessage() async throws -> JSONValue {
        let received = try await receive()
        guard case .message(let message) = received else { throw UnexpectedFrame(received: received) }
        return message
    }

    /// Reads `connection_init` and answers `connection_ack`.
    mutating func acknowledge() async throws {
        let initMessage = try await receiveMessage()
        guard initMessage.objectValue?["type"] == "connection_init" else { throw UnexpectedFrame(received: .message(initMessage)) }
        try await send(["type": "connection_ack"])
    }

    /// Sends one text frame.
    func send(_ message: JSONValue) async throws {
        try await sendText(message.encodedString)
    }

    /// Sends one text frame, possibly split into fragments of `fragmentSize` bytes.
    func sendText(_ text: String, fragmentSize: Int? = nil) async throws {
        let bytes = Array(text.utf8)
        let size = fragmentSize ?? max(bytes.count, 1)
        var offset = 0
        repeat {
            let end = min(offset + size, bytes.count)
            try await outbound.write(
                WebSocketFrame(
                    fin: end == bytes.count,
                    opcode: offset == 0 ? .text : .continuation,
                    data: ByteBuffer(bytes: bytes[offset..<end])
                )
            )
            offset = end
        } while offset < bytes.count
    }

    /// Sends a WebSocket-level ping.
    func sendPing() async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi")))
    }

    /// Sends a close frame.
    func sendClose(code: UInt16, reason: String = "") async throws {
        var data = ByteBuffer()
        data.writeInteger(code)
        data.writeString(reason)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
    }
}

struct UnexpectedFrame: Error {
    var received: ScriptedSocket.Received
}
