/// Why a text is not well-formed JSON.
public struct JSONParsingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A human-readable explanation, naming the byte offset where parsing stopped.
    public let message: String

    /// Creates an error with the given explanation.
    public init(message: String) {
        self.message = message
    }

    /// A readable form, for logs and messages.
    public var description: String { message }
}
