import Foundation
import NIOCore
import NIOPosix
import TestSupport

/// The head of the server's answer to a hand-written upgrade request.
struct UpgradeResponse: Sendable {
    /// The status code.
    let status: Int
    /// The header fields, names lowercased, in order.
    let headers: [(name: String, value: String)]

    /// The values of every field named `name`.
    func values(_ name: String) -> [String] {
        headers.filter { $0.name == name.lowercased() }.map(\.value)
    }
}

/// Sends a WebSocket upgrade request for `url` offering each of `offers` in a
/// `Sec-WebSocket-Protocol` header of its own, with `extraHeaders`, and reads the response head.
///
/// A client library would hide what matters here: the status of a refused upgrade and the exact
/// subprotocol header of an accepted one.
///
/// - Returns: The response head, or `nil` when the server closed the connection without one.
func upgradeResponse(url: URL, offers: [String], extraHeaders: [(String, String)] = []) async throws -> UpgradeResponse? {
    // Test URLs (``graphQLURL(port:)``) always name the host and the port.
    let host = url.host!
    let port = url.port!
    return try await withTimeout {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // NIO's default of 10 s is too short for a sanitizer build with every test running at once.
            .connectTimeout(.seconds(60))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var request = """
            GET \(url.path) HTTP/1.1\r
            Host: \(host):\(port)\r
            Connection: Upgrade\r
            Upgrade: websocket\r
            Sec-WebSocket-Version: 13\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r

            """
        for offer in offers { request += "Sec-WebSocket-Protocol: \(offer)\r\n" }
        for (name, value) in extraHeaders { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ""
            for try await chunk in inbound {
                received += String(buffer: chunk)
                guard let end = received.range(of: "\r\n\r\n") else { continue }
                return parseHead(received[..<end.lowerBound])
            }
            return nil
        }
    }
}

/// The status and header fields of a response head, `nil` when it is not one.
private func parseHead(_ head: Substring) -> UpgradeResponse? {
    let lines = head.components(separatedBy: "\r\n")
    guard let statusLine = lines.first else { return nil }
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
    let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return (name, value)
    }
    return UpgradeResponse(status: status, headers: headers)
}
