/// The id a client gave an operation.
///
/// Clients send strings (`"1"`); some send numbers (`1`). Both name the same operation, and replies
/// echo the id in the JSON form the client used.
public struct OperationID: Sendable, Hashable, CustomStringConvertible {
    /// The canonical text of the id; `1` and `"1"` both have the key `"1"`.
    public let key: String
    /// The id exactly as the client wrote it.
    public let jsonValue: JSONValue

    /// Creates an id from its JSON form.
    ///
    /// - Parameter jsonValue: A non-empty string, or an integer.
    /// - Returns: `nil` for any other JSON value.
    public init?(_ jsonValue: JSONValue) {
        switch jsonValue {
        case .string(let string) where !string.isEmpty:
            key = string
        case .integer(let integer):
            key = String(integer)
        default:
            return nil
        }
        self.jsonValue = jsonValue
    }

    /// Creates an id from a string.
    public init(_ string: String) {
        key = string
        jsonValue = .string(string)
    }

    /// Two ids name the same operation when their keys are equal.
    public static func == (lhs: OperationID, rhs: OperationID) -> Bool { lhs.key == rhs.key }
    /// Hashes the key, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    /// A readable form, for logs and messages.
    public var description: String { key }
}
