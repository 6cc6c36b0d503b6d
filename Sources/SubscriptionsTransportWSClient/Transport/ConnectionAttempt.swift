import NIOCore
import NIOWebSocket

/// One connection attempt: connect, then read until the connection ends, reporting each step.
enum ConnectionAttempt {
    /// Runs the attempt; returns once the socket is closed.
    ///
    /// - Parameters:
    ///   - connector: Opens the WebSocket.
    ///   - closeTimeout: How long the server has to close the TCP connection after the close
    ///     handshake, before it is dropped.
    ///   - allowance: Counts the reported messages; the attempt stops reading while too many wait.
    ///   - report: Receives the attempt's events, `.ended` or `.failed` last.
    static func run(
        connector: WebSocketConnector,
        closeTimeout: Duration,
        allowance: InboundAllowance,
        report: @Sendable (TransportEvent) -> Void
    ) async {
        let opened: WebSocketConnector.Opened
        do {
            opened = try await connector.connect()
        } catch {
            report(.failed(error))
            return
        }
        var close: ConnectionClose?
        do {
            try await opened.channel.executeThenClose { inbound, outbound in
                let writer = WebSocketWriter(outbound: outbound, channel: opened.channel.channel)
                report(.opened(writer, subprotocol: opened.subprotocol))
                for try await frame in inbound {
                    switch frame.opcode {
                    case .text, .binary:
                        report(.message(Array(frame.unmaskedData.readableBytesView)))
                        if let resume = allowance.reported() { _ = await resume.waitUnlessCancelled() }
                    case .ping:
                        await writer.answerPing(frame.unmaskedData)
                    case .connectionClose:
                        var data = frame.unmaskedData
                        let code = data.readInteger(as: UInt16.self)
                        close = ConnectionClose(code: code, reason: data.readString(length: data.readableBytes) ?? "")
                        // RFC 6455: answer with the same code, then let the server close TCP.
                        await writer.close(code: code ?? 1000, dropAfter: closeTimeout)
                    default:
                        break
                    }
                }
            }
        } catch {
            // A read error is a lost connection; whatever close frame came first still counts.
            close = close ?? ConnectionClose(code: 1006, reason: WebSocketConnector.describe(error))
        }
        report(.ended(close))
    }
}
