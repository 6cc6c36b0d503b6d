/// A GraphQL-over-WebSocket subprotocol, named as it appears in `Sec-WebSocket-Protocol`.
public struct WebSocketSubprotocol: Sendable, Hashable, CustomStringConvertible {
    /// The header token.
    public let name: String

    private init(name: String) {
        self.name = name
    }

    /// Apollo's `subscriptions-transport-ws` protocol.
    public static let graphQLWS = WebSocketSubprotocol(name: "graphql-ws")
    /// The `graphql-transport-ws` protocol of the `graphql-ws` library.
    public static let graphQLTransportWS = WebSocketSubprotocol(name: "graphql-transport-ws")

    /// A readable form, for logs and messages.
    public var description: String { name }

    /// Picks the subprotocol to answer with, among those a client offered.
    ///
    /// Offers are header values, each possibly a comma-separated list; tokens are trimmed and must
    /// match exactly. Among acceptable offers `graphql-transport-ws` is preferred over `graphql-ws`,
    /// whatever the client's order.
    ///
    /// - Parameters:
    ///   - offers: The values of every `Sec-WebSocket-Protocol` request header.
    ///   - supported: The subprotocols this server serves, most preferred first.
    /// - Returns: The chosen subprotocol, or `nil` when the client offered none of them.
    public static func negotiate(
        offers: some Sequence<some StringProtocol>,
        supported: [WebSocketSubprotocol] = [.graphQLTransportWS, .graphQLWS]
    ) -> WebSocketSubprotocol? {
        var offered = Set<String>()
        for value in offers {
            for token in value.split(separator: ",") {
                offered.insert(String(token.trimmingWhitespace()))
            }
        }
        return supported.first { offered.contains($0.name) }
    }
}

extension StringProtocol {
    /// The value without the spaces and tabs HTTP allows around header values and list items.
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
