/// Runs the three parts of one WebSocket joined to one connection, for the adapters: the protocol's
/// `run()`, a writer draining its outbound queue and a reader feeding it inbound messages.
///
/// The rule for ending them lives here once. When the protocol and the writer are done, the reader
/// is cancelled at once if the socket is gone or the server sent no close frame (nothing more that
/// matters will be read); after the server's close frame it is given `closeTimeout` to see the
/// client's answer end the socket, and is cancelled then. A writer still blocked on a client that
/// reads nothing when the protocol has ended gets the same `closeTimeout`, then is cancelled.
///
/// - Parameters:
///   - connection: The connection whose `run()` is the protocol part.
///   - closeTimeout: How long the reader may wait for the client's answer to the server's close.
///   - write: Writes the outbound messages; returns whether the connection's close frame was written.
///   - read: Feeds inbound messages until the socket ends or the task is cancelled; returns the error
///     that ended the inbound stream, if any.
/// - Returns: Whether the close frame was written, and the reader's error.
package func runTransportSession(
    connection: any WebSocketServerConnection,
    closeTimeout: Duration,
    write: @escaping @Sendable () async -> Bool,
    read: @escaping @Sendable () async -> (any Error)?
) async -> (sentClose: Bool, readFailure: (any Error)?) {
    await withTaskGroup(of: TransportSessionPartEnd.self) { group in
        group.addTask {
            await connection.run()
            return .protocolEnded
        }
        group.addTask { .writerEnded(sentClose: await write()) }
        group.addTask { .readerEnded(failure: await read()) }
        var protocolRunning = true
        var writerRunning = true
        var readerRunning = true
        var sentClose = false
        var closeTimerStarted = false
        var readFailure: (any Error)?
        while let end = await group.next() {
            switch end {
            case .protocolEnded:
                protocolRunning = false
            case .writerEnded(let closed):
                writerRunning = false
                sentClose = closed
            case .readerEnded(let failure):
                readerRunning = false
                readFailure = failure
            case .closeTimeoutElapsed:
                group.cancelAll()
            }
            guard !protocolRunning else { continue }
            if !writerRunning, !readerRunning || !sentClose {
                // Nothing more will be read that matters; this also ends a pending close timer.
                group.cancelAll()
            } else if !closeTimerStarted {
                // The reader ends when the client answers the server's close frame; a writer still
                // running waits on a client that reads nothing. Either gets `closeTimeout`.
                closeTimerStarted = true
                group.addTask {
                    try? await Task.sleep(for: closeTimeout)
                    return .closeTimeoutElapsed
                }
            }
        }
        return (sentClose, readFailure)
    }
}

/// Which part of a transport session ended.
private enum TransportSessionPartEnd: Sendable {
    case protocolEnded
    case writerEnded(sentClose: Bool)
    case readerEnded(failure: (any Error)?)
    case closeTimeoutElapsed
}
