/// A WebSocket data frame (or reassembled message) received from a client.
public enum InboundFrame: Sendable, Hashable {
    /// A text frame.
    case text(String)
    /// A binary frame.
    case binary([UInt8])
}
