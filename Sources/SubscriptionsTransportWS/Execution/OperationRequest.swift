/// One GraphQL operation as a client asked for it in a `start` or `subscribe` message.
public struct OperationRequest: Sendable, Hashable {
    /// The GraphQL document text.
    public var query: String
    /// The variable values; empty when the client sent none or `null`.
    public var variables: JSONObject
    /// The name of the operation to run, when the document holds several.
    public var operationName: String?
    /// The request's `extensions` object (for example persisted-query hashes), if any.
    public var extensions: JSONObject?
    /// Every other member of the message payload, untouched, for hooks that read custom fields.
    public var otherPayloadFields: JSONObject

    /// Creates a request.
    public init(
        query: String,
        variables: JSONObject = [:],
        operationName: String? = nil,
        extensions: JSONObject? = nil,
        otherPayloadFields: JSONObject = [:]
    ) {
        self.query = query
        self.variables = variables
        self.operationName = operationName
        self.extensions = extensions
        self.otherPayloadFields = otherPayloadFields
    }
}

extension OperationRequest {
    /// The type of the operation the request runs: the operation named ``operationName``, or the
    /// document's only operation. `nil` when the document does not say (no such operation, several
    /// without a name to choose, or text that is not a GraphQL document). Read from the document's
    /// top level without parsing it fully.
    public var operationType: GraphQLOperationType? {
        var operations: [(type: GraphQLOperationType, name: String?)] = []
        var depth = 0
        var pendingType: GraphQLOperationType?
        var awaitingName = false
        var index = query.utf8.startIndex
        let text = query.utf8
        func isNameByte(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
        }
        while index < text.endIndex {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "#"):
                while index < text.endIndex, text[index] != 0x0A { index = text.index(after: index) }
                continue
            case UInt8(ascii: "\""):
                // A string (block strings included): skip to its closing quote, minding escapes.
                let block = text[index...].starts(with: #"""""#.utf8)
                index = text.index(index, offsetBy: block ? 3 : 1)
                while index < text.endIndex {
                    if text[index] == UInt8(ascii: "\\") {
                        index = text.index(after: index)
                    } else if block ? text[index...].starts(with: #"""""#.utf8) : text[index] == UInt8(ascii: "\"") {
                        index = text.index(index, offsetBy: block ? 3 : 1)
                        break
                    }
                    if index < text.endIndex { index = text.index(after: index) }
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["):
                if depth == 0 {
                    // A selection set with no keyword before it is the `{ … }` query shorthand.
                    if byte == UInt8(ascii: "{") {
                        if pendingType == nil { operations.append((.query, nil)) }
                        pendingType = nil
                    }
                    awaitingName = false
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return nil }
            default:
                if depth == 0, isNameByte(byte) {
                    let start = index
                    while index < text.endIndex, isNameByte(text[index]) { index = text.index(after: index) }
                    let name = String(decoding: text[start..<index], as: UTF8.self)
                    if awaitingName {
                        operations[operations.count - 1].name = name
                        awaitingName = false
                    } else if let type = GraphQLOperationType(rawValue: name) {
                        operations.append((type, nil))
                        pendingType = type
                        awaitingName = true
                    } else if name == "fragment" {
                        pendingType = .query  // Not an operation: its `{` records nothing.
                        awaitingName = false
                    }
                    continue
                }
            }
            index = text.index(after: index)
        }
        if let operationName { return operations.first { $0.name == operationName }?.type }
        return operations.count == 1 ? operations[0].type : nil
    }
}
