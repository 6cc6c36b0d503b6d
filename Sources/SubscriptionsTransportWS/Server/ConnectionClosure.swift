/// How a connection ended.
public struct ConnectionClosure: Sendable, Hashable {
    /// The close code, if one was sent or received.
    public var code: UInt16?
    /// The close reason; empty when none was given.
    public var reason: String

    /// Creates a description of a closure.
    public init(code: UInt16?, reason: String) {
        self.code = code
        self.reason = reason
    }
}
