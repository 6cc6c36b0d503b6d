/// A JSON object: member names to values.
public typealias JSONObject = [String: JSONValue]

/// A JSON value as it travels in a protocol message.
///
/// Numbers keep the distinction between integers and other numbers so that an operation id such as
/// `1` is echoed back exactly as the client wrote it.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this value is a JSON string.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The members, if this value is a JSON object.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// Whether this value is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Parses one JSON text.
    ///
    /// - Parameter bytes: UTF-8 encoded JSON.
    /// - Returns: The parsed value.
    /// - Throws: ``JSONParsingError`` when the bytes are not one well-formed JSON text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParsingError) -> JSONValue {
        let parse = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParsingError> in
            var parser = JSONParser(buffer)
            return Result { () throws(JSONParsingError) in try parser.parseDocument() }
        }
        if let result = bytes.withContiguousStorageIfAvailable(parse) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer(parse).get()
    }

    /// Parses one JSON text.
    ///
    /// - Parameter text: The JSON text.
    /// - Returns: The parsed value.
    /// - Throws: ``JSONParsingError`` when the text is not one well-formed JSON text.
    public static func parse(_ text: String) throws(JSONParsingError) -> JSONValue {
        try parse(text.utf8)
    }

    /// The compact JSON encoding of this value, as UTF-8 bytes.
    public var encoded: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        output.appendJSON(self)
        return output
    }

    /// The compact JSON encoding of this value.
    public var encodedString: String {
        String(decoding: encoded, as: UTF8.self)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// Creates a JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates a JSON integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// Creates a JSON boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates a JSON number with a fraction or exponent.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// Creates a JSON array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Creates a JSON object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements, uniquingKeysWith: { _, last in last }))
    }
    /// Creates JSON null.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
    /// A readable form, for logs and messages.
    public var description: String { encodedString }
}
