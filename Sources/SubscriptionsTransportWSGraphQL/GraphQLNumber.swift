import GraphQL

/// A GraphQL `Number` reduced to the JSON number it stands for.
///
/// `Number` wraps an `NSNumber` and records how it was created; only numbers of unknown origin need
/// their value inspected to choose between an integer and a double.
enum GraphQLNumber {
    case bool(Bool)
    case integer(Int)
    case double(Double)

    init(_ number: Number) {
        switch number.storageType {
        case .int: self = .integer(number.intValue)
        case .double: self = .double(number.doubleValue)
        case .bool: self = .bool(number.boolValue)
        case .unknown:
            let integer = number.intValue
            let double = number.doubleValue
            self = Double(integer) == double ? .integer(integer) : .double(double)
        }
    }
}
