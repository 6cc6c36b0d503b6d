import GraphQL
import SubscriptionsTransportWS

// Results are written straight to bytes rather than through `JSONEncoder` or `JSONValue`: it is the
// hot path of every subscription event, and `JSONObject` would lose the field order that GraphQL
// responses keep.
extension Array where Element == UInt8 {
    /// Appends `{"data":…,"errors":[…]}`, leaving out `data` when the result has none and `errors`
    /// when it is empty.
    mutating func appendGraphQLResult(_ result: GraphQLResult) {
        // Not `flatMap`: `Map` is `ExpressibleByNilLiteral`, so a `nil` there would mean `.null`.
        var data = result.data
        if data?.isUndefined == true { data = .none }
        append(UInt8(ascii: "{"))
        if let data {
            append(contentsOf: #""data":"#.utf8)
            appendGraphQLMap(data)
        } else if result.errors.isEmpty {
            // A result must hold one of the two members; an empty one means no data.
            append(contentsOf: #""data":null"#.utf8)
        }
        if !result.errors.isEmpty {
            if data != nil { append(UInt8(ascii: ",")) }
            append(contentsOf: #""errors":["#.utf8)
            for (offset, error) in result.errors.enumerated() {
                if offset > 0 { append(UInt8(ascii: ",")) }
                appendGraphQLError(error)
            }
            append(UInt8(ascii: "]"))
        }
        append(UInt8(ascii: "}"))
    }

    /// Appends `{"message":…,"locations"?:…,"path"?:…,"extensions"?:…}`; empty members are left out.
    mutating func appendGraphQLError(_ error: GraphQLError) {
        append(contentsOf: #"{"message":"#.utf8)
        appendJSONString(error.message)
        if !error.locations.isEmpty {
            append(contentsOf: #","locations":["#.utf8)
            for (offset, location) in error.locations.enumerated() {
                if offset > 0 { append(UInt8(ascii: ",")) }
                append(contentsOf: #"{"line":"#.utf8)
                append(contentsOf: String(location.line).utf8)
                append(contentsOf: #","column":"#.utf8)
                append(contentsOf: String(location.column).utf8)
                append(UInt8(ascii: "}"))
            }
            append(UInt8(ascii: "]"))
        }
        if !error.path.elements.isEmpty {
            append(contentsOf: #","path":["#.utf8)
            for (offset, element) in error.path.elements.enumerated() {
                if offset > 0 { append(UInt8(ascii: ",")) }
                switch element {
                case .index(let index): append(contentsOf: String(index).utf8)
                case .key(let key): appendJSONString(key)
                }
            }
            append(UInt8(ascii: "]"))
        }
        if !error.extensions.isEmpty {
            append(contentsOf: #","extensions":{"#.utf8)
            var first = true
            for (key, value) in error.extensions where !value.isUndefined {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                appendJSONString(key)
                append(UInt8(ascii: ":"))
                appendGraphQLMap(value)
            }
            append(UInt8(ascii: "}"))
        }
        append(UInt8(ascii: "}"))
    }

    /// Appends a GraphQL value as JSON, keeping dictionary order.
    ///
    /// `undefined` dictionary members are left out (as GraphQLSwift's own encoding does); any other
    /// `undefined`, and non-finite doubles, are written as `null`.
    mutating func appendGraphQLMap(_ map: Map) {
        switch map {
        case .undefined, .null: append(contentsOf: "null".utf8)
        case .bool(let bool): append(contentsOf: (bool ? "true" : "false").utf8)
        case .number(let number):
            switch GraphQLNumber(number) {
            case .bool(let bool): append(contentsOf: (bool ? "true" : "false").utf8)
            case .integer(let integer): append(contentsOf: String(integer).utf8)
            case .double(let double):
                append(contentsOf: (double.isFinite ? String(double) : "null").utf8)
            }
        case .string(let string): appendJSONString(string)
        case .array(let array):
            append(UInt8(ascii: "["))
            for (offset, element) in array.enumerated() {
                if offset > 0 { append(UInt8(ascii: ",")) }
                appendGraphQLMap(element)
            }
            append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in dictionary where !value.isUndefined {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                appendJSONString(key)
                append(UInt8(ascii: ":"))
                appendGraphQLMap(value)
            }
            append(UInt8(ascii: "}"))
        }
    }
}
