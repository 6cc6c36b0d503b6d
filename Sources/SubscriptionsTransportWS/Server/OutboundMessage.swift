/// Something a connection asks its transport to write.
public enum OutboundMessage: Sendable, Hashable {
    /// A text frame holding these UTF-8 bytes.
    case text([UInt8])
    /// A close frame; always the last message of a connection. Its reason always fits a close
    /// frame (``maxCloseReasonBytes``): transports write it as it is.
    case close(code: UInt16, reason: String)

    /// The most UTF-8 bytes a close frame leaves for its reason (RFC 6455 §5.5: 125 bytes of
    /// payload, two of them the code).
    public static var maxCloseReasonBytes: Int { 123 }

    /// The longest prefix of `reason` that fits a close frame, cut between characters so the peer
    /// never sees broken UTF-8. Every close frame a connection queues goes through it.
    static func closeReason(fitting reason: String) -> String {
        guard reason.utf8.count > maxCloseReasonBytes else { return reason }
        var length = 0
        var end = reason.startIndex
        for index in reason.indices {
            let next = reason.index(after: index)
            length += reason[index..<next].utf8.count
            guard length <= maxCloseReasonBytes else { break }
            end = next
        }
        return String(reason[..<end])
    }

    /// The text of a ``text(_:)`` frame.
    public var text: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
