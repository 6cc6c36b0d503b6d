/// Something a connection asks its transport to write.
public enum OutboundMessage: Sendable, Hashable {
    /// A text frame holding these UTF-8 bytes.
    case text([UInt8])
    /// A close frame; always the last message of a connection.
    case close(code: UInt16, reason: String)

    /// The text of a ``text(_:)`` frame.
    public var text: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
