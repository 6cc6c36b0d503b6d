/// The protocol side of one WebSocket, whatever GraphQL-over-WebSocket protocol it speaks.
///
/// Adapters drive every connection through this interface: feed frames in arrival order, run the
/// connection for the life of the socket, write what ``outbound`` yields, and report the end of the
/// socket.
public protocol WebSocketServerConnection: Sendable {
    /// Frames to write, in order; a transport drains it batch by batch.
    var outbound: OutboundQueue { get }
    /// Hands the connection one inbound frame, in arrival order; the protocol's answer to it, if any,
    /// is queued on ``outbound`` before the call returns.
    func receive(_ frame: InboundFrame)
    /// Tells the connection that the socket is gone, with the peer's close code and reason if any;
    /// nothing more is sent.
    func transportClosed(code: UInt16?, reason: String)
    /// Closes the connection from the host's side with a close frame as the last message.
    func close(code: UInt16, reason: String)
    /// Runs the connection until it ends and all its work has finished.
    func run() async
    /// Starts the connection without a task waiting in ``run()``: `onFinished` is called once it has
    /// ended and all its work has finished. A host calls either this or ``run()``, once.
    func start(onFinished: @escaping @Sendable () -> Void)
}

extension WebSocketServerConnection {
    /// Tells the connection that the socket is gone without a close code (for example an I/O error).
    public func transportClosed() {
        transportClosed(code: nil, reason: "")
    }

    /// Writes the outbound messages until the connection's last one: the writer loop of every
    /// transport that writes from a task.
    ///
    /// A write that throws means the socket is gone: what waits is dropped, nothing more is
    /// accepted, and the connection is told (with the code from `closeCode`, if the socket knows
    /// one).
    ///
    /// - Parameters:
    ///   - write: Writes one batch in order; returns whether it wrote the close frame, which ends
    ///     the loop.
    ///   - closeCode: The socket's close code after a failed write, if any.
    /// - Returns: Whether the close frame was written.
    public func writeOutbound(
        _ write: ([OutboundMessage]) async throws -> Bool,
        closeCode: () -> UInt16? = { nil }
    ) async -> Bool {
        while let batch = await outbound.nextBatch() {
            do {
                if try await write(batch) { return true }
            } catch {
                outbound.abandon()
                transportClosed(code: closeCode(), reason: "")
                return false
            }
        }
        return false
    }
}
