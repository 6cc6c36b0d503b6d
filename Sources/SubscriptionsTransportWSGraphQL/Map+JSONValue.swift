import GraphQL
import SubscriptionsTransportWS

extension Map {
    /// Converts a JSON value from a protocol message into a GraphQL `Map`, for variable values.
    ///
    /// Integers stay integers and other numbers stay doubles, so that GraphQL's input coercion
    /// sees the number the client wrote (an `Int` variable given `1` is an integer, not `1.0`).
    ///
    /// - Parameter json: The JSON value.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .integer(let integer): self = .int(integer)
        case .double(let double): self = .double(double)
        case .string(let string): self = .string(string)
        case .array(let array): self = .array(array.map(Map.init(json:)))
        case .object(let object):
            // `Map`'s own empty dictionary gives the ordered dictionary type without importing
            // OrderedCollections, which this module does not depend on directly.
            let empty: Map = [:]
            var dictionary = empty.dictionary!
            dictionary.reserveCapacity(object.count)
            for (key, value) in object {
                dictionary[key] = Map(json: value)
            }
            self = .dictionary(dictionary)
        }
    }
}

extension JSONValue {
    /// Converts a GraphQL `Map` into a JSON value.
    ///
    /// `undefined` members of a dictionary are left out, as GraphQL's own encoding does; an
    /// `undefined` anywhere else becomes `null`. Non-finite doubles become `null`, since JSON cannot
    /// spell them. The order of dictionary keys is lost, because `JSONObject` is unordered; use
    /// `ExecutionResult.init(_:)` to encode results with their field order.
    ///
    /// - Parameter map: The GraphQL value.
    public init(map: Map) {
        switch map {
        case .undefined, .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .number(let number):
            switch GraphQLNumber(number) {
            case .bool(let bool): self = .bool(bool)
            case .integer(let integer): self = .integer(integer)
            case .double(let double): self = double.isFinite ? .double(double) : .null
            }
        case .string(let string): self = .string(string)
        case .array(let array): self = .array(array.map(JSONValue.init(map:)))
        case .dictionary(let dictionary):
            var object = JSONObject(minimumCapacity: dictionary.count)
            for (key, value) in dictionary where !value.isUndefined {
                object[key] = JSONValue(map: value)
            }
            self = .object(object)
        }
    }
}
