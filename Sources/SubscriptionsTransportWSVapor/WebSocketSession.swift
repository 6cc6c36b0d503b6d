import Logging
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS
import WebSocketKit

/// One upgraded websocket-kit socket joined to one protocol connection.
///
/// Three child tasks: the protocol's `run()`, a writer draining the outbound queue, and a reader
/// handing inbound messages to the connection in order. The reader ends when the socket closes; it
/// is cancelled once the connection has ended without a close handshake to wait for, or when the
/// client has not answered the server's close frame within `closeTimeout`.
struct WebSocketSession: Sendable {
    let connection: any WebSocketServerConnection
    let inbound: InboundBuffer
    let webSocket: WebSocket
    let closeTimeout: Duration
    let logger: Logger

    /// Runs until the connection has ended and the reader has stopped.
    func run() async {
        let (sentClose, _) = await runTransportSession(
            connection: connection,
            closeTimeout: closeTimeout,
            write: { await write() },
            read: {
                await read()
                return nil
            }
        )
        // A connection that ended without a close frame must not leave the socket open. When its
        // writer was stopped (after `closeTimeout`) before it reached the close frame, the client
        // reads nothing: the close goes out with the connection's code, behind what the socket
        // already holds. Otherwise (the writer failed, or the connection was cancelled), as with a
        // Hummingbird handler that returns, it is a normal close.
        if !sentClose, !webSocket.isClosed {
            let code = connection.outbound.decidedClose.map { WebSocketErrorCode(codeNumber: Int($0.code)) }
            try? await webSocket.close(code: code ?? .normalClosure)
        }
    }

    /// Hands inbound messages to the connection until the socket closes or the task is cancelled,
    /// then reports the transport closed with the close code the socket ended with.
    ///
    /// websocket-kit does not show the peer's close reason, so none is reported. Codes 1005 (no
    /// status) and 1006 (abnormal closure) are never sent on the wire: they are reported as no code.
    private func read() async {
        for await event in inbound.events {
            switch event {
            case .frame(let frame):
                // Messages of a client that does not read wait in the inbound buffer, within its
                // budget, while the connection's outbound buffer is full.
                await waitForRoomUnlessOverflowed()
                inbound.handedOn(frame)
                connection.receive(frame)
            case .close(let code, let reason):
                connection.close(code: code, reason: reason)
            }
        }
        connection.transportClosed(code: webSocket.closeCode.flatMap(Self.wireCode), reason: "")
    }

    /// Waits while the connection's outbound buffer is full, unless the inbound buffer has
    /// overflowed: then its 1008 close, queued behind the waiting messages, must be reached.
    private func waitForRoomUnlessOverflowed() async {
        guard connection.outbound.isOverBudget, inbound.overflowed.value == nil else { return }
        await withTaskGroup(of: Void.self) { [connection, inbound] group in
            group.addTask { await connection.outbound.waitForRoom() }
            group.addTask { _ = await inbound.overflowed.waitUnlessCancelled() }
            await group.next()
            group.cancelAll()
        }
    }

    /// A close code as sent on the wire, or `nil` for the codes that only report a missing one.
    static func wireCode(_ code: WebSocketErrorCode) -> UInt16? {
        let number = UInt16(webSocketErrorCode: code)
        return number == 1005 || number == 1006 ? nil : number
    }

    /// Writes the connection's outbound messages until its last one.
    ///
    /// A failed write means the socket is gone (or closing): the connection is told, with the
    /// socket's close code, and the rest is dropped.
    ///
    /// - Returns: Whether the connection's close frame was written.
    private func write() async -> Bool {
        let webSocket = self.webSocket
        return await connection.writeOutbound { batch in
            do {
                return try await write(batch)
            } catch {
                logger.debug("WebSocket write failed", metadata: ["error": "\(error)"])
                throw error
            }
        } closeCode: {
            webSocket.closeCode.flatMap(Self.wireCode)
        }
    }

    /// Writes one batch in one visit to the socket's event loop.
    ///
    /// Frames go out from the encoded bytes as they are, with no detour through `String`;
    /// websocket-kit flushes every frame (it has no batched write), but one hop to the loop per batch
    /// rather than per frame keeps the cost down. Only the last write is awaited: writes on a channel
    /// complete in order, so that bounds the data in flight to one batch.
    ///
    /// websocket-kit answers a client's close frame on the same loop, so checking there that the
    /// socket is not closing keeps every frame from following the close frame it sent.
    ///
    /// - Returns: Whether the batch ended with the close frame.
    /// - Throws: When the socket is closing or a write failed.
    private func write(_ batch: [OutboundMessage]) async throws -> Bool {
        let webSocket = self.webSocket
        let written = webSocket.eventLoop.makePromise(of: Bool.self)
        webSocket.eventLoop.execute {
            guard webSocket.closeCode == nil else {
                written.fail(SocketClosing())
                return
            }
            for (index, message) in batch.enumerated() {
                switch message {
                case .text(let bytes):
                    let promise = index == batch.count - 1 ? webSocket.eventLoop.makePromise(of: Void.self) : nil
                    webSocket.send(ByteBuffer(bytes: bytes), opcode: .text, fin: true, promise: promise)
                    promise?.futureResult.map { false }.cascade(to: written)
                case .close(let code, _):
                    // websocket-kit's close frame carries the code only: the reason is not sent.
                    let promise = webSocket.eventLoop.makePromise(of: Void.self)
                    webSocket.close(code: WebSocketErrorCode(codeNumber: Int(code)), promise: promise)
                    promise.futureResult.map { true }.cascade(to: written)
                    return
                }
            }
            if batch.isEmpty { written.succeed(false) }
        }
        return try await written.futureResult.get()
    }

    /// The socket started closing before a batch could be written.
    private struct SocketClosing: Error {}
}
