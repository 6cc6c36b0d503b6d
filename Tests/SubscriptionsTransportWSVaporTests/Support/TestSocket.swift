import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS

/// The client side of one test WebSocket, inside `WebSocketClient.connect`'s handler.
///
/// The client is hummingbird-websocket's, so the server's websocket-kit is tested against an
/// independent WebSocket implementation.
struct TestSocket {
    private var messages: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter

    init(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) {
        self.messages = inbound.messages(maxSize: 1 << 24).makeAsyncIterator()
        self.outbound = outbound
    }

    /// Sends one text frame.
    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// Sends one protocol message.
    func send(_ message: JSONValue) async throws {
        try await outbound.write(.text(message.encodedString))
    }

    /// The next message from the server, `ka` included; `nil` once the server closed.
    mutating func nextIncludingKeepAlive() async throws -> JSONValue? {
        guard let message = try await messages.next() else { return nil }
        switch message {
        case .text(let text): return try JSONValue.parse(text)
        case .binary(let buffer): return try JSONValue.parse(buffer.readableBytesView)
        }
    }

    /// The next message from the server other than `graphql-ws`'s `ka` (which may come at any time);
    /// `nil` once the server closed.
    mutating func next() async throws -> JSONValue? {
        while let message = try await nextIncludingKeepAlive() {
            if message != ["type": "ka"] { return message }
        }
        return nil
    }

    /// Sends `connection_init` and reads up to the acknowledgement.
    mutating func initialize() async throws -> JSONValue? {
        try await send(["type": "connection_init", "payload": [:]])
        return try await next()
    }

    /// Reads messages until one of `type` for `id`, returning all read, that one last.
    mutating func messages(until type: String, id: JSONValue) async throws -> [JSONValue] {
        var read: [JSONValue] = []
        while let message = try await next() {
            read.append(message)
            if message.objectValue?["type"] == .string(type), message.objectValue?["id"] == id { break }
        }
        return read
    }
}

/// The subprotocol header a `graphql-ws` client sends.
let graphQLWSOffer: HTTPFields = [.secWebSocketProtocol: "graphql-ws"]
/// The subprotocol header a `graphql-transport-ws` client sends.
let graphQLTransportWSOffer: HTTPFields = [.secWebSocketProtocol: "graphql-transport-ws"]

/// Connects to the test server, runs `script` on the socket, and returns the close frame the
/// connection ended with.
///
/// - Parameters:
///   - port: The test server's port.
///   - headers: Extra upgrade request headers; by default the `graphql-ws` offer.
///   - script: The test's side of the conversation; the client closes normally when it returns,
///     unless the server closed first.
func connect(
    port: Int,
    headers: HTTPFields = graphQLWSOffer,
    _ script: @escaping @Sendable (inout TestSocket) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    try await withTimeout {
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/graphql",
            configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 24, additionalHeaders: headers),
            logger: testLogger
        ) { inbound, outbound, _ in
            var socket = TestSocket(inbound: inbound, outbound: outbound)
            try await script(&socket)
        }
    }
}

extension WebSocketCloseFrame {
    /// The close code as a number.
    var code: UInt16 { UInt16(webSocketErrorCode: closeCode) }
}
