/// A WebSocket data frame (or reassembled message) received from a client.
public enum InboundFrame: Sendable, Hashable {
    /// A text frame.
    case text(String)
    /// A binary frame.
    case binary([UInt8])
}

extension InboundFrame {
    var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}

/// The close of a connection whose client sent a message over its protocol's size limit
/// (`maxInboundMessageBytes`): 1009 "Message too big" (RFC 6455 §7.4.1), on both protocols, whether
/// the transport notices it (while reassembling fragments) or the protocol's machine does.
public enum MessageTooBig {
    /// The close code, 1009.
    public static let closeCode: UInt16 = 1009
    /// The close reason.
    public static let closeReason = "Message too big"
}
