import GraphQL
import OrderedCollections

// GraphQLSwift 4.3.0 coerces variables and arguments with internal functions (`getVariableValues`,
// `getArgumentValues`, `valueFromAST`, `validate(value:forType:)`, `coerceValue`), and planned
// execution must produce exactly what its `execute` produces. These are the same algorithms, with
// the same messages, written against its public types; the differential tests compare the two.

/// Variable values coerced to their declared types, as GraphQLSwift's `getVariableValues` does.
///
/// - Throws: `GraphQLError` for a value that does not fit its variable's type.
func coerceVariableValues(
    schema: GraphQLSchema,
    definitions: [VariableDefinition],
    inputs: [String: Map]
) throws -> [String: Map] {
    var values: [String: Map] = [:]
    for definition in definitions {
        let name = definition.variable.name.value
        values[name] = try coerceVariableValue(schema: schema, definition: definition, input: inputs[name] ?? .undefined)
    }
    return values
}

private func coerceVariableValue(schema: GraphQLSchema, definition: VariableDefinition, input: Map) throws -> Map {
    let variable = definition.variable
    guard let inputType = inputTypeFromAST(schema: schema, definition.type) else {
        throw GraphQLError(
            message:
                "Variable \"$\(variable.name.value)\" expected value of type "
                + "\"\(definition.type)\" which cannot be used as an input type.",
            nodes: [definition]
        )
    }
    var value = input
    if input == .undefined, let defaultValue = definition.defaultValue {
        value = try valueFromLiteral(defaultValue, type: inputType)
    }
    let errors = try validationErrors(of: value, for: inputType)
    guard errors.isEmpty else {
        throw GraphQLError(
            message: "Variable \"$\(variable.name.value)\" got invalid value \"\(value)\".\n" + errors.joined(separator: "\n"),
            nodes: [definition]
        )
    }
    return try coerce(value, to: inputType)
}

/// One argument a field or directive declares.
struct ArgumentDefinition {
    let name: String
    let type: GraphQLInputType
    let defaultValue: Map?

    /// The arguments of a field, in declaration order.
    static func of(_ field: GraphQLField) -> [ArgumentDefinition] {
        field.args.map { ArgumentDefinition(name: $0.key, type: $0.value.type, defaultValue: $0.value.defaultValue) }
    }

    /// The arguments of a directive, in declaration order.
    static func of(_ directive: GraphQLDirective) -> [ArgumentDefinition] {
        directive.args.map { ArgumentDefinition(name: $0.name, type: $0.type, defaultValue: $0.defaultValue) }
    }
}

/// A field's or directive's argument values, as GraphQLSwift's `getArgumentValues` computes them.
///
/// - Throws: `GraphQLError` for an argument whose value does not fit its type.
func argumentValues(
    definitions: [ArgumentDefinition],
    arguments: [Argument],
    variables: [String: Map]
) throws -> Map {
    var byName: [String: Argument] = [:]
    for argument in arguments { byName[argument.name.value] = argument }
    var values = OrderedDictionary<String, Map>()
    for definition in definitions {
        let value: Map
        if let argument = byName[definition.name] {
            value = try valueFromLiteral(argument.value, type: definition.type, variables: variables)
        } else {
            value = definition.defaultValue ?? .undefined
        }
        let errors = try validationErrors(of: value, for: definition.type)
        guard errors.isEmpty else {
            throw GraphQLError(
                message: "Argument \"\(definition.name)\" got invalid value \(value).\n" + errors.joined(separator: "\n")
            )
        }
        values[definition.name] = value
    }
    return .dictionary(values)
}

/// The input type a variable declares, or `nil` when it names no input type.
private func inputTypeFromAST(schema: GraphQLSchema, _ type: Type) -> GraphQLInputType? {
    typeFromAST(schema: schema, type) as? GraphQLInputType
}

private func typeFromAST(schema: GraphQLSchema, _ type: Type) -> GraphQLType? {
    if let list = type as? ListType {
        return typeFromAST(schema: schema, list.type).map { GraphQLList($0) }
    }
    if let nonNull = type as? NonNullType {
        guard let inner = typeFromAST(schema: schema, nonNull.type) as? GraphQLNullableType else { return nil }
        return GraphQLNonNull(inner)
    }
    guard let named = type as? NamedType else { return nil }
    return schema.getType(name: named.name.value)
}

/// GraphQLSwift's `valueFromAST`.
private func valueFromLiteral(_ literal: Value, type: GraphQLInputType, variables: [String: Map] = [:]) throws -> Map {
    if let nonNull = type as? GraphQLNonNull {
        guard !(literal is NullValue) else { throw GraphQLError(message: "Null value provided to non-nullable type") }
        guard let inner = nonNull.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "NonNull must wrap an input type")
        }
        return try valueFromLiteral(literal, type: inner, variables: variables)
    }
    guard !(literal is NullValue) else { return .null }
    if let variable = literal as? Variable {
        return variables[variable.name.value] ?? .undefined
    }
    if let list = type as? GraphQLList {
        guard let itemType = list.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "Input list must wrap an input type")
        }
        if let values = literal as? ListValue {
            return .array(try values.values.map { try valueFromLiteral($0, type: itemType, variables: variables) })
        }
        return .array([try valueFromLiteral(literal, type: itemType, variables: variables)])
    }
    if let objectType = type as? GraphQLInputObjectType {
        guard let object = literal as? ObjectValue else { throw GraphQLError(message: "Input object must be object type") }
        var fieldLiterals: [String: ObjectField] = [:]
        for field in object.fields { fieldLiterals[field.name.value] = field }
        var values = OrderedDictionary<String, Map>()
        for (name, field) in try objectType.fields() {
            if let literal = fieldLiterals[name] {
                values[name] = try valueFromLiteral(literal.value, type: field.type, variables: variables)
            } else {
                values[name] = field.defaultValue ?? .undefined
            }
        }
        if objectType.isOneOf {
            let keys = values.filter { $1 != .undefined }.keys
            if keys.count != 1 || values[keys[0]] == .null { return .undefined }
        }
        return .dictionary(values)
    }
    if let leafType = type as? GraphQLLeafType {
        do {
            return try leafType.parseLiteral(valueAST: literal)
        } catch {
            return .null
        }
    }
    throw GraphQLError(message: "Provided type is not an input type")
}

/// GraphQLSwift's `validate(value:forType:)`: the reasons a value does not fit an input type.
private func validationErrors(of value: Map, for type: GraphQLInputType) throws -> [String] {
    if let nonNull = type as? GraphQLNonNull {
        guard let inner = nonNull.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "Input non-null type must wrap another input type")
        }
        if value == .null { return ["Expected non-null value, found null."] }
        if value == .undefined { return ["Expected non-null value was not provided."] }
        return try validationErrors(of: value, for: inner)
    }
    guard value != .null, value != .undefined else { return [] }
    if let list = type as? GraphQLList {
        guard let itemType = list.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "Input list type must wrap another input type")
        }
        guard case .array(let items) = value else { return try validationErrors(of: value, for: itemType) }
        var errors: [String] = []
        for (index, item) in items.enumerated() {
            errors += try validationErrors(of: item, for: itemType).map { "In element #\(index): \($0)" }
        }
        return errors
    }
    if let objectType = type as? GraphQLInputObjectType {
        guard case .dictionary(let dictionary) = value else {
            return ["Expected \"\(objectType.name)\", found not an object."]
        }
        let fields = try objectType.fields()
        var errors: [String] = []
        for (provided, _) in dictionary where fields[provided] == nil {
            errors.append("In field \"\(provided)\": Unknown field.")
        }
        if objectType.isOneOf {
            let keys = dictionary.filter { $1 != .undefined }.keys
            if keys.count != 1 {
                errors.append("Exactly one key must be specified for OneOf type \"\(objectType.name)\".")
            }
            // GraphQLSwift 4.3.0 reads the first key here even when there is none, and crashes; an
            // empty object is reported by the count check above instead.
            if let key = keys.first, dictionary[key] == .null { errors.append("Field \"\(key)\" must be non-null.") }
        }
        for (name, field) in fields {
            errors += try validationErrors(of: value[name], for: field.type).map { "In field \"\(name)\": \($0)" }
        }
        return errors
    }
    if let leafType = type as? GraphQLLeafType {
        do {
            let parsed = try leafType.parseValue(value: value)
            if parsed == .null || parsed == .undefined { return ["Expected type \"\(leafType.name)\", found \(value)."] }
        } catch {
            return ["Expected type \"\(leafType.name)\", found \(value)."]
        }
        return []
    }
    throw GraphQLError(message: "Provided type was not provided")
}

/// GraphQLSwift's `coerceValue`: a valid value converted to its type's internal form.
private func coerce(_ value: Map, to type: GraphQLInputType) throws -> Map {
    if let nonNull = type as? GraphQLNonNull {
        guard let inner = nonNull.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "NonNull must wrap an input type")
        }
        return try coerce(value, to: inner)
    }
    guard value != .undefined, value != .null else { return value }
    if let list = type as? GraphQLList {
        guard let itemType = list.ofType as? GraphQLInputType else {
            throw GraphQLError(message: "Input list must wrap an input type")
        }
        if case .array(let items) = value { return .array(try items.map { try coerce($0, to: itemType) }) }
        return .array([try coerce(value, to: itemType)])
    }
    if let objectType = type as? GraphQLInputObjectType {
        guard case .dictionary(let dictionary) = value else {
            throw GraphQLError(message: "Must be dictionary to extract to an input type")
        }
        var object = OrderedDictionary<String, Map>()
        for (name, field) in try objectType.fields() {
            if let fieldValue = dictionary[name], fieldValue != .undefined {
                object[name] = try coerce(fieldValue, to: field.type)
            } else {
                object[name] = field.defaultValue ?? .undefined
            }
        }
        return .dictionary(object)
    }
    if let leafType = type as? GraphQLLeafType {
        return try leafType.parseValue(value: value)
    }
    throw GraphQLError(message: "Provided type is not an input type")
}
