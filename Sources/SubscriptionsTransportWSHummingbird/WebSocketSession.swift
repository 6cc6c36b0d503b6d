import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// One upgraded WebSocket joined to one protocol connection.
///
/// Three child tasks: the protocol's `run()`, a writer draining the outbound queue, and a reader
/// feeding inbound messages. The reader cannot be stopped but by cancellation, so it is cancelled once
/// the connection has ended: at once when the client closed or the socket failed, and after the close
/// handshake (bounded by `closeTimeout`) when the server closed.
struct WebSocketSession: Sendable {
    let connection: any WebSocketServerConnection
    let maxMessageBytes: Int
    let closeTimeout: Duration
    let logger: Logger

    /// Runs until the connection has ended and the reader has stopped.
    ///
    /// - Throws: The error that ended the inbound stream, when the server had not closed the socket
    ///   itself: Hummingbird then closes with the code that error maps to (1009 for a message over
    ///   the size limit).
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (sentClose, inboundFailure) = await runTransportSession(
            connection: connection,
            closeTimeout: closeTimeout,
            write: { await write(to: outbound) },
            read: { await read(inbound) }
        )
        if !sentClose, let (code, reason) = connection.outbound.decidedClose {
            // The writer was stopped (after `closeTimeout`) before it reached the close frame: the
            // client reads nothing. The close goes out now with the connection's code; left to
            // Hummingbird it would be 1000 once the handler returns.
            await writeClose(code: code, reason: reason, to: outbound)
            return
        }
        // After our own close frame the socket's fate is decided; a later inbound error is noise.
        if !sentClose, let inboundFailure { throw inboundFailure }
    }

    /// Writes a close frame, waiting at most `closeTimeout` for the socket to take it. Either way
    /// Hummingbird's close handshake follows, which closes the socket after its own close timeout.
    private func writeClose(code: UInt16, reason: String, to outbound: WebSocketOutboundWriter) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason) }
            group.addTask { try? await Task.sleep(for: closeTimeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Feeds inbound messages to the connection until the client closes, the socket fails or the
    /// task is cancelled, then reports the transport closed. While the connection's outbound buffer is
    /// full it reads nothing, so a client that does not read fills its own socket.
    ///
    /// A message over the protocol's limit closes the connection with 1009 (message too big). The
    /// WebSocket layer only bounds single frames by the application's frame size, which serves every
    /// protocol, and fragmented messages by this limit.
    ///
    /// The client's close code is not reported: hummingbird-websocket answers the close frame itself
    /// and ends the inbound stream without showing it to the handler.
    ///
    /// - Returns: The error that ended the stream, unless the reader was cancelled.
    private func read(_ inbound: WebSocketInboundStream) async -> (any Error)? {
        defer { connection.transportClosed() }
        do {
            for try await message in inbound.messages(maxSize: maxMessageBytes) {
                // Nothing more is read from a client that does not read what is written to it.
                await connection.outbound.waitForRoom()
                let size =
                    switch message {
                    case .text(let text): text.utf8.count
                    case .binary(let buffer): buffer.readableBytes
                    }
                guard size <= maxMessageBytes else {
                    connection.close(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
                    continue
                }
                switch message {
                case .text(let text): connection.receive(.text(text))
                case .binary(let buffer): connection.receive(.binary(Array(buffer.readableBytesView)))
                }
            }
            return nil
        } catch {
            return Task.isCancelled ? nil : error
        }
    }

    /// Writes the connection's outbound messages until its last one.
    ///
    /// Text frames go out from the encoded bytes as they are, with no detour through `String`. A
    /// failed write means the socket is gone: the connection is told, and the rest is dropped.
    ///
    /// - Returns: Whether the connection's close frame was written.
    private func write(to outbound: WebSocketOutboundWriter) async -> Bool {
        await connection.writeOutbound { batch in
            do {
                for message in batch {
                    switch message {
                    case .text(let bytes):
                        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))
                        try await outbound.write(.custom(frame))
                    case .close(let code, let reason):
                        try await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
                        return true
                    }
                }
                return false
            } catch {
                logger.debug("WebSocket write failed", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }
}
