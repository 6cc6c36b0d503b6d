import SubscriptionsTransportWS

/// A fake transport around one server connection: a test sends client frames and awaits the
/// server's frames and close, one at a time, in order.
public final class TestConnection<Connection: WebSocketServerConnection>: Sendable {
    /// The connection under test.
    public let connection: Connection
    /// How long to wait for an expected message before failing.
    public let timeout: Duration
    private let probe: ConnectionProbe
    private let received = Recorder<OutboundMessage>()
    private let cursor = Recorder<Void>()
    private let outboundEnded = Gate()

    init(connection: Connection, probe: ConnectionProbe, timeout: Duration) {
        self.connection = connection
        self.probe = probe
        self.timeout = timeout
    }

    func drainOutbound() async {
        while let batch = await connection.outbound.nextBatch() {
            batch.forEach(received.record)
        }
        outboundEnded.open()
    }

    /// Every message the server has sent so far.
    public var sentMessages: [OutboundMessage] { received.values }

    /// Sends a text frame from the client.
    public func send(_ text: String) async {
        connection.receive(.text(text))
    }

    /// Sends a binary frame from the client.
    public func sendBinary(_ bytes: [UInt8]) async {
        connection.receive(.binary(bytes))
    }

    /// Tells the connection that the socket closed.
    public func closeTransport() {
        connection.transportClosed()
    }

    /// The next message the server sent, waiting for it up to ``timeout``.
    ///
    /// - Throws: ``TestConnectionError`` if none arrives in time, or the connection ended without one.
    public func next() async throws -> OutboundMessage {
        let index = cursor.values.count
        let messages = try await withTimeout("message #\(index + 1)") { [received, outboundEnded] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await received.waitForCount(index + 1) }
                group.addTask { await outboundEnded.wait() }
                await group.next()
                group.cancelAll()
            }
            return received.values
        }
        guard messages.count > index else {
            throw TestConnectionError("the connection ended without sending message #\(index + 1)")
        }
        cursor.record(())
        return messages[index]
    }

    /// The next message, which must be a text frame holding JSON.
    public func nextJSON() async throws -> JSONValue {
        let message = try await next()
        guard case .text(let bytes) = message else {
            throw TestConnectionError("expected a text frame, got \(message)")
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw TestConnectionError("server sent invalid JSON \(String(decoding: bytes, as: UTF8.self)): \(error)")
        }
    }

    /// Waits for the next message and checks that it is the given JSON (compared as JSON values).
    public func expect(_ json: String, sourceLocation: StaticString = #fileID, line: UInt = #line) async throws {
        let expected = try JSONValue.parse(json)
        let actual = try await nextJSON()
        guard actual == expected else {
            throw TestConnectionError("expected \(json), got \(actual) (\(sourceLocation):\(line))")
        }
    }

    /// Waits for the next message and checks that it is a close frame with `code` (and `reason`, if given).
    public func expectClose(code: UInt16, reason: String? = nil, line: UInt = #line) async throws {
        let message = try await next()
        guard case .close(let actualCode, let actualReason) = message, actualCode == code,
            reason == nil || reason == actualReason
        else {
            throw TestConnectionError("expected close \(code) \(reason ?? ""), got \(message) (line \(line))")
        }
    }

    /// Checks that the server sent nothing more so far: a probe frame's reply must be the very next
    /// message. Because intake is serial and output ordered, everything caused by earlier frames
    /// would come before it.
    public func expectSilence(line: UInt = #line) async throws {
        for _ in 0..<2 {
            await send(probe.frame)
            let reply = try await nextJSON()
            guard reply == probe.reply else {
                throw TestConnectionError("expected silence, got \(reply) (line \(line))")
            }
            for _ in 0..<10 { await Task.yield() }
        }
    }

    /// Waits until the server's output has ended (after a close, or once the transport is gone) and
    /// checks that nothing beyond what the test already read was sent.
    public func expectEnd(line: UInt = #line) async throws {
        try await withTimeout("the end of the connection") { [outboundEnded] in await outboundEnded.wait() }
        let unread = received.values.dropFirst(cursor.values.count)
        guard unread.isEmpty else {
            throw TestConnectionError("expected no more messages, got \(Array(unread)) (line \(line))")
        }
    }

    private func withTimeout<T: Sendable>(
        _ what: String,
        _ operation: @escaping @Sendable () async -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask { [timeout] in
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TestConnectionError("timed out after \(timeout) waiting for \(what)")
            }
            return value
        }
    }
}

/// A client frame whose known reply proves that every earlier frame has been handled.
public struct ConnectionProbe: Sendable {
    /// The frame to send.
    public var frame: String
    /// The reply the server sends to it.
    public var reply: JSONValue

    /// Creates a probe.
    public init(frame: String, reply: JSONValue) {
        self.frame = frame
        self.reply = reply
    }

    /// For `graphql-transport-ws`: a `ping`, answered with a `pong` carrying the same payload.
    public static let graphQLTransportWS = ConnectionProbe(
        frame: #"{"type":"ping","payload":{"probe":true}}"#,
        reply: ["type": "pong", "payload": ["probe": true]]
    )

    /// For `graphql-ws`: an unknown message type, answered with an `error` frame.
    public static let graphQLWS = ConnectionProbe(
        frame: #"{"type":"probe"}"#,
        reply: ["type": "error", "payload": ["message": "Invalid message type!"]]
    )
}

/// A failed expectation of a ``TestConnection``.
public struct TestConnectionError: Error, Sendable, CustomStringConvertible {
    /// What was expected and what happened.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Runs a connection under a fake transport for the duration of `body`.
///
/// The connection runs concurrently with `body`; afterwards the transport is closed and the call
/// waits until the connection has finished all its work.
///
/// - Parameters:
///   - connection: The connection to test.
///   - probe: A frame with a known reply, used by ``TestConnection/expectSilence(line:)``.
///   - timeout: How long to wait for each expected message.
///   - body: The test.
/// - Returns: What `body` returns.
public func withTestConnection<Connection: WebSocketServerConnection, Result>(
    _ connection: Connection,
    probe: ConnectionProbe,
    timeout: Duration = .seconds(10),
    _ body: (TestConnection<Connection>) async throws -> Result
) async throws -> Result {
    let harness = TestConnection(connection: connection, probe: probe, timeout: timeout)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await connection.run() }
        group.addTask { await harness.drainOutbound() }
        do {
            let result = try await body(harness)
            connection.transportClosed()
            try await group.waitForAll()
            return result
        } catch {
            connection.transportClosed()
            try? await group.waitForAll()
            throw error
        }
    }
}
