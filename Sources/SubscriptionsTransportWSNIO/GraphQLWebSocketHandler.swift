import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// Joins one upgraded WebSocket channel to one protocol connection, on the channel's event loop.
///
/// Inbound: frames from NIO's `WebSocketFrameDecoder` are unmasked, fragmented messages reassembled
/// up to the size limit, and each message is handed to the connection, which decides it at once on
/// the event loop. Pings are answered, a close frame is echoed and reported with its code and reason.
///
/// Outbound: when the connection's queue goes from empty to non-empty, one drain is scheduled on the
/// event loop; it encodes every ready frame into one buffer, writes it and flushes once. While the
/// channel is not writable nothing is taken, so operations pause once the connection's outbound
/// budget is full, and nothing is read: a client that does not read fills its own socket, not the
/// server's memory (the connection closes it after its slow-client timeout). The connection's close
/// frame is the last frame; the channel closes when the client answers it, or after the close timeout.
final class GraphQLWebSocketHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    private let connection: any WebSocketServerConnection
    private let configuration: GraphQLWebSocketChannelConfiguration
    /// The connection's protocol's limit: a longer message closes the socket with 1009.
    private let maxMessageBytes: Int
    private var context: ChannelHandlerContext?

    /// The message being reassembled from fragments, and whether it is binary.
    private var fragments: (buffer: ByteBuffer, isBinary: Bool)?
    /// Inbound frames are ignored from here on (after a protocol violation or the client's close).
    private var ignoringInbound = false
    private var toldTransportClosed = false

    /// The channel was not writable when output was ready.
    private var waitingForWritability = false
    /// A read was held back because the channel was not writable; it is passed on once it is.
    private var readHeldBack = false
    /// The connection's output ended: its close frame was written, or it will write nothing more.
    private var outputEnded = false
    /// The connection's `run()` returned: its remaining frames are written whether or not the
    /// channel is writable.
    private var runEnded = false
    private var sentClose = false
    private var receivedClose = false
    private var closeTimer: Scheduled<Void>?
    private var pingTimer: RepeatedTask?
    /// A drain is scheduled after the coalescing interval, while output streams.
    private var followUpScheduled = false
    /// When the last drain wrote something: output that comes again within a few coalescing
    /// intervals streams.
    private var lastOutput = NIODeadline.distantPast
    /// Four coalescing intervals.
    private let streamingWindow: TimeAmount
    private var scheduler: EventLoopOutputScheduler?
    private var followUpDrain: (@Sendable () -> Void)?
    private var awaitingPong = false
    /// Called by the outbound queue when output is ready; schedules one drain on the event loop.
    private var outputReady: (@Sendable () -> Void)?

    init(connection: any WebSocketServerConnection, maxMessageBytes: Int, configuration: GraphQLWebSocketChannelConfiguration) {
        self.connection = connection
        self.maxMessageBytes = maxMessageBytes
        self.configuration = configuration
        let (window, overflow) = configuration.outputCoalescing.nanoseconds.multipliedReportingOverflow(by: 4)
        streamingWindow = .nanoseconds(overflow ? .max : window)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let scheduler = EventLoopOutputScheduler.of(eventLoop)
        self.scheduler = scheduler
        let drain: @Sendable () -> Void = { loopBound.value.drain() }
        outputReady = { scheduler.schedule(drain) }
        followUpDrain = {
            loopBound.value.followUpScheduled = false
            loopBound.value.drain()
        }
        if let interval = configuration.pingInterval {
            let period = TimeAmount.nanoseconds(interval.nanoseconds)
            pingTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                loopBound.value.pingTick()
            }
        }
        if context.channel.isActive {
            drain()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
        self.context = nil
        // The drain closures hold this handler, and through it the connection: letting them go
        // breaks the cycle, so a closed connection is freed (and no longer counts against the
        // server's connection limit).
        outputReady = nil
        followUpDrain = nil
        scheduler = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        drain()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers()
        outputEnded = true
        tellTransportClosed(code: nil, reason: "")
        context.fireChannelInactive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !ignoringInbound else { return }
        // Clients must mask their frames, and no extension is negotiated (RFC 6455 §5.1, §5.2).
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            return failProtocol(code: 1002, reason: "Protocol error")
        }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return failProtocol(code: 1002, reason: "Protocol error") }
            let isBinary = frame.opcode == .binary
            if frame.fin {
                deliver(frame.unmaskedData, isBinary: isBinary)
            } else {
                fragments = (frame.unmaskedData, isBinary)
                checkFragmentsSize()
            }
        case .continuation:
            guard var message = fragments else { return failProtocol(code: 1002, reason: "Protocol error") }
            var data = frame.unmaskedData
            message.buffer.writeBuffer(&data)
            fragments = message
            guard checkFragmentsSize() else { return }
            if frame.fin {
                fragments = nil
                deliver(message.buffer, isBinary: message.isBinary)
            }
        case .ping:
            guard frame.fin else { return failProtocol(code: 1002, reason: "Protocol error") }
            guard !sentClose else { return }
            var pong = context.channel.allocator.buffer(capacity: 2 + frame.length)
            pong.writeWebSocketFrame(opcode: .pong, payload: frame.unmaskedData.readableBytesView)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            receivedClose(frame.unmaskedData, context: context)
        default:
            failProtocol(code: 1002, reason: "Protocol error")
        }
    }

    /// Whether the message being reassembled is still within the limit; closes 1009 if not.
    @discardableResult
    private func checkFragmentsSize() -> Bool {
        guard let fragments, fragments.buffer.readableBytes > maxMessageBytes else { return true }
        self.fragments = nil
        failProtocol(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
        return false
    }

    private func deliver(_ buffer: ByteBuffer, isBinary: Bool) {
        guard buffer.readableBytes <= maxMessageBytes else {
            return failProtocol(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
        }
        connection.receive(isBinary ? .binary(Array(buffer.readableBytesView)) : .text(String(buffer: buffer)))
    }

    /// The client broke the WebSocket protocol, or sent a message over the limit: the connection
    /// closes with `code`, its close frame being the last one written.
    private func failProtocol(code: UInt16, reason: String) {
        ignoringInbound = true
        fragments = nil
        connection.close(code: code, reason: reason)
    }

    private func receivedClose(_ data: ByteBuffer, context: ChannelHandlerContext) {
        var data = data
        receivedClose = true
        ignoringInbound = true
        let code = data.readInteger(as: UInt16.self)
        let reason = data.readString(length: data.readableBytes) ?? ""
        // Told first: closing the channel below reports the socket's end, without the code.
        tellTransportClosed(code: code, reason: reason)
        if sentClose {
            // The client answered our close: the handshake is done.
            context.close(promise: nil)
            return
        }
        // Echo the client's close (RFC 6455 §5.5.1); nothing the connection still had is sent.
        outputEnded = true
        sentClose = true
        var frame = context.channel.allocator.buffer(capacity: 4)
        if let code {
            frame.writeWebSocketClose(code: code, reason: "")
        } else {
            frame.writeWebSocketHeader(opcode: .connectionClose, payloadLength: 0)
        }
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { [context = context.loopBound] _ in
            context.value.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client ended its side of the TCP connection (allowed by the server's channel options):
        // without a close frame first, the socket is gone.
        if let event = event as? ChannelEvent, event == .inputClosed {
            tellTransportClosed(code: nil, reason: "")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError {
            // The decoder refused a frame: too long, or malformed. It reads nothing more, so the
            // client's answer to the close frame will not be seen: the close timeout ends the socket.
            guard !ignoringInbound else { return }
            switch error {
            case .invalidFrameLength: failProtocol(code: MessageTooBig.closeCode, reason: MessageTooBig.closeReason)
            default: failProtocol(code: 1002, reason: "Protocol error")
            }
            return
        }
        if error is ByteToMessageDecoderError {
            // More data after the decoder's failure: the close is already under way.
            return
        }
        context.close(promise: nil)
    }

    // MARK: Outbound

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if waitingForWritability {
                waitingForWritability = false
                drain()
            }
            if readHeldBack {
                readHeldBack = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Reads only while the client takes what is written: a client that sends without reading
    /// would otherwise make the server queue answers for it.
    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable else {
            readHeldBack = true
            return
        }
        context.read()
    }

    /// Writes everything the connection has ready, then flushes once.
    ///
    /// After a drain that wrote something, the next one comes after the configured coalescing
    /// interval, without asking to be woken: frames queued meanwhile cost the producing task no
    /// wake-up of the event loop, and go out together. A drain that finds nothing asks the queue to
    /// wake it at the next frame instead, so output after a quiet moment goes out at once.
    private func drain() {
        guard let context, let outputReady, !outputEnded else { return }
        var written = 0
        defer { if written > 0 { context.flush() } }
        while context.channel.isWritable || runEnded {
            guard let messages = connection.outbound.takeReady() else { return endOutput(context) }
            if messages.isEmpty { break }
            written += write(messages, context: context)
            if outputEnded { return }
        }
        guard context.channel.isWritable else {
            waitingForWritability = true
            return
        }
        if written == 0 || !outputStreams() {
            // Quiet, or output now and then (one event for many subscribers): be woken by the next
            // frame rather than looking again after the coalescing interval, which would touch every
            // such channel twice per event. One may have come since the last look.
            guard let late = connection.outbound.takeReady(orNotify: outputReady) else { return endOutput(context) }
            guard !late.isEmpty else { return }
            written += write(late, context: context)
            if outputEnded { return }
        }
        scheduleFollowUp(context)
    }

    /// Notes that a drain wrote; returns whether the drain before it wrote within four coalescing
    /// intervals, that is whether the output streams.
    private func outputStreams() -> Bool {
        let now = NIODeadline.now()
        defer { lastOutput = now }
        return now - lastOutput < streamingWindow
    }

    private func scheduleFollowUp(_ context: ChannelHandlerContext) {
        guard !followUpScheduled, let scheduler, let followUpDrain else { return }
        followUpScheduled = true
        scheduler.scheduleFollowUp(followUpDrain, after: .nanoseconds(configuration.outputCoalescing.nanoseconds))
    }

    /// Writes messages as one buffer (not flushed).
    ///
    /// - Returns: How many frames were written.
    private func write(_ messages: [OutboundMessage], context: ChannelHandlerContext) -> Int {
        var size = 0
        for message in messages {
            switch message {
            case .text(let bytes): size += ByteBuffer.webSocketHeaderSize(payloadLength: bytes.count) + bytes.count
            case .close: size += 2 + 2 + OutboundMessage.maxCloseReasonBytes
            }
        }
        var buffer = context.channel.allocator.buffer(capacity: size)
        for message in messages {
            switch message {
            case .text(let bytes):
                buffer.writeWebSocketFrame(opcode: .text, payload: bytes)
            case .close(let code, let reason):
                buffer.writeWebSocketClose(code: code, reason: reason)
                sentClose = true
            }
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        if sentClose {
            outputEnded = true
            closeSent(context: context)
        }
        return messages.count
    }

    /// The connection ended without a close frame: the socket is gone or going.
    private func endOutput(_ context: ChannelHandlerContext) {
        outputEnded = true
        context.close(promise: nil)
    }

    /// After the server's close frame: the channel closes when the client answers, or after the
    /// close timeout.
    private func closeSent(context: ChannelHandlerContext) {
        if receivedClose {
            context.flush()
            context.close(promise: nil)
            return
        }
        // The TCP connection's sending side ends after the close frame, so the client sees its end
        // right away; its answer can still be read.
        context.flush()
        context.close(mode: .output, promise: nil)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        closeTimer = context.eventLoop.scheduleTask(in: .nanoseconds(configuration.closeTimeout.nanoseconds)) {
            loopBound.value.context?.close(promise: nil)
        }
    }

    /// The connection's `run()` returned: whatever it still queued is written, even to a client that
    /// reads nothing (the close timeout then ends the socket), and the channel closes.
    func connectionEnded() {
        runEnded = true
        drain()
        if !outputEnded { context?.close(promise: nil) }
    }

    // MARK: Keep-alive

    private func pingTick() {
        guard let context, !sentClose else { return }
        if awaitingPong {
            // No pong since the last ping: the peer is gone.
            context.close(promise: nil)
            return
        }
        awaitingPong = true
        var ping = context.channel.allocator.buffer(capacity: 2)
        ping.writeWebSocketHeader(opcode: .ping, payloadLength: 0)
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }

    private func stopTimers() {
        pingTimer?.cancel()
        pingTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
    }

    private func tellTransportClosed(code: UInt16?, reason: String) {
        guard !toldTransportClosed else { return }
        toldTransportClosed = true
        connection.transportClosed(code: code, reason: reason)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
