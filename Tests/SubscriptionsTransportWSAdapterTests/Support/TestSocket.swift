import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import SubscriptionsTransportWS
import TestSupport
import Testing

/// The client side of one test WebSocket, inside `WebSocketClient.connect`'s handler.
///
/// The client is hummingbird-websocket's for both adapters, so one client speaks the same frames
/// to both; against Vapor it also tests websocket-kit against an independent WebSocket implementation.
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

/// Upgrade request headers with one `Sec-WebSocket-Protocol` field for each of `values`, for
/// clients that offer several subprotocols or none that is served.
func subprotocolOffers(_ values: String...) -> HTTPFields {
    HTTPFields(values.map { HTTPField(name: .secWebSocketProtocol, value: $0) })
}

/// Connects to a test server, runs `script` on the socket, and returns the close frame the
/// connection ended with.
///
/// - Parameters:
///   - url: The test server's WebSocket URL.
///   - headers: Extra upgrade request headers; by default the `graphql-ws` offer.
///   - script: The test's side of the conversation; the client closes normally when it returns,
///     unless the server closed first.
func connect(
    to url: URL,
    headers: HTTPFields = graphQLWSOffer,
    _ script: @escaping @Sendable (inout TestSocket) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    try await withTimeout {
        try await WebSocketClient.connect(
            url: url.absoluteString,
            configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 24, additionalHeaders: headers),
            logger: testLogger
        ) { inbound, outbound, _ in
            var socket = TestSocket(inbound: inbound, outbound: outbound)
            try await script(&socket)
        }
    }
}

/// Expects the upgrade to fail for a client sending `headers`: the client library's view of a
/// refused upgrade, next to the raw status ``upgradeResponse(url:offers:extraHeaders:)`` reads.
func expectUpgradeRefused(url: URL, headers: HTTPFields) async {
    await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
        _ = try await connect(to: url, headers: headers) { _ in
            Issue.record("Upgraded without an acceptable subprotocol")
        }
    }
}

extension WebSocketCloseFrame {
    /// The close code as a number.
    var code: UInt16 { UInt16(webSocketErrorCode: closeCode) }
}
