import NIOCore
import NIOWebSocket
import SubscriptionsConcurrency

/// Writes client frames (masked, as RFC 6455 requires of clients) to one open WebSocket, and ends it.
///
/// Shared by the driver, which sends protocol messages and closes, and the reading task, which
/// answers pings and the server's close frame.
final class WebSocketWriter: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let channel: any Channel
    /// Whether a close frame was sent: RFC 6455 allows one per side.
    private let closeSent = Lock(false)

    init(outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, channel: any Channel) {
        self.outbound = outbound
        self.channel = channel
    }

    /// Sends one text frame.
    ///
    /// - Throws: When the connection is closed or failing.
    func send(text: String) async throws {
        try await write(opcode: .text, data: channel.allocator.buffer(string: text))
    }

    /// Answers a ping with a pong carrying the same data; a failure is left to the reading side.
    func answerPing(_ data: ByteBuffer) async {
        try? await write(opcode: .pong, data: data)
    }

    /// Sends a close frame, unless one was sent already, and makes sure the connection ends.
    ///
    /// - Parameters:
    ///   - code: The close code.
    ///   - reason: The close reason; keep it within 123 UTF-8 bytes.
    ///   - dropAfter: How long the server has to close the TCP connection, as RFC 6455 asks of
    ///     servers, before the client drops it; `.zero` drops it as soon as the frame is written.
    func close(code: UInt16, reason: String = "", dropAfter: Duration) async {
        let isFirst = closeSent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        guard isFirst else { return }
        // Scheduled before writing, so that even a write stuck behind a dead peer ends in time. Not
        // sooner than two seconds: a busy machine may take longer than half a second to hand the
        // frame to the event loop, and a drop before that loses the frame (seen under
        // ThreadSanitizer: the server read the end of the stream without the close frame).
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: TimeAmount(max(dropAfter, .seconds(2)))) {
            channel.close(promise: nil)
        }
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        try? await write(opcode: .connectionClose, data: data)
        if dropAfter == .zero {
            try? await channel.close()
        }
    }

    /// Drops the connection without a close frame.
    func abort() {
        channel.close(promise: nil)
    }

    private func write(opcode: WebSocketOpcode, data: ByteBuffer) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data))
    }
}
