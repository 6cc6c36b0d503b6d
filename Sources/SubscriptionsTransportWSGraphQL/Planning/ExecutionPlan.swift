import GraphQL
import OrderedCollections

/// An operation prepared for repeated execution: everything that does not change from one execution
/// to the next (the selected fields for every type, field definitions and resolvers, coerced
/// arguments and variables, `@skip`/`@include`) is worked out once. Executing it then only runs
/// resolvers and writes the result's JSON bytes (``execute(rootValue:context:)``).
///
/// The plan reproduces GraphQLSwift 4.3.0's `execute` for the same operation and variables, byte
/// for byte once encoded, including where GraphQLSwift departs from graphql-js (see
/// ``PlanExecution``); the differential tests hold the two side by side. Fields run one after the
/// other in document order, where GraphQLSwift runs sibling fields of queries and subscriptions as
/// concurrent tasks: results are the same, and several errors come in document order rather than in
/// whatever order concurrent tasks finished.
///
/// Two things are not planned, and an operation selecting them has no plan
/// (``make(schema:document:operation:variables:)`` returns `nil`) and runs through GraphQLSwift:
/// introspection's `__schema` and `__type`, and lists whose items may be null (`[String]`), for which
/// GraphQLSwift 4.3.0 fails the whole result with `MapError` as soon as one item is null.
final class ExecutionPlan: Sendable {
    let schema: GraphQLSchema
    let operation: OperationDefinition
    let fragments: [String: FragmentDefinition]
    /// The coerced variables, as resolvers see them in their info.
    let infoVariableValues: [String: any Sendable]
    /// The root type's selection, or the error collecting it raised (a `@skip`/`@include` argument
    /// that does not fit), which fails the whole execution as GraphQLSwift's does.
    let root: Result<SelectionPlan, GraphQLError>

    private init(
        schema: GraphQLSchema,
        operation: OperationDefinition,
        fragments: [String: FragmentDefinition],
        infoVariableValues: [String: any Sendable],
        root: Result<SelectionPlan, GraphQLError>
    ) {
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.infoVariableValues = infoVariableValues
        self.root = root
    }

    /// Plans an operation of a validated document with coerced variable values.
    ///
    /// - Returns: The plan, or `nil` when the operation uses something plans do not cover
    ///   (introspection's `__schema`/`__type`), or resolver infos cannot be made with this GraphQLSwift.
    static func make(
        schema: GraphQLSchema,
        document: Document,
        operation: OperationDefinition,
        variables: [String: Map]
    ) throws -> ExecutionPlan? {
        guard ResolveInfoFields.isAvailable else { return nil }
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions {
            fragments[fragment.name.value] = fragment
        }
        let rootType: GraphQLObjectType
        switch operation.operation {
        case .query: rootType = try required(schema.queryType, "queries", operation)
        case .mutation: rootType = try required(schema.mutationType, "mutations", operation)
        case .subscription: rootType = try required(schema.subscriptionType, "subscriptions", operation)
        }
        var planner = Planner(schema: schema, fragments: fragments, variables: variables)
        let root: Result<SelectionPlan, GraphQLError>
        do {
            root = .success(try planner.selection(of: rootType, in: [operation.selectionSet], staticPath: IndexPath()))
        } catch let error as GraphQLError {
            root = .failure(error)
        } catch is UnplannableSelection {
            return nil
        }
        return ExecutionPlan(
            schema: schema,
            operation: operation,
            fragments: fragments,
            infoVariableValues: variables,
            root: root
        )
    }

    private static func required(_ type: GraphQLObjectType?, _ kind: String, _ operation: OperationDefinition) throws -> GraphQLObjectType {
        guard let type else {
            throw GraphQLError(message: "Schema is not configured for \(kind)", nodes: [operation])
        }
        return type
    }
}

/// The fields selected on one object type, in response order.
final class SelectionPlan: Sendable {
    let type: GraphQLObjectType
    let fields: [FieldPlan]

    init(type: GraphQLObjectType, fields: [FieldPlan]) {
        self.type = type
        self.fields = fields
    }
}

/// One response field: its definition, its arguments and how its value is completed.
final class FieldPlan: Sendable {
    let responseName: String
    /// `"responseName":`, ready to write.
    let key: [UInt8]
    let fieldName: String
    let fieldASTs: [Field]
    let parentType: GraphQLObjectType
    let returnType: GraphQLOutputType
    let resolve: GraphQLFieldResolve
    /// The resolver that creates a subscription's source stream, on subscription root fields.
    let subscribe: GraphQLFieldResolve?
    /// The coerced arguments, or the error coercing them raised.
    let arguments: Result<Map, GraphQLError>
    let completion: Completion
    /// The response path, when it holds no list index and so is the same in every execution.
    let staticPath: IndexPath?

    init(
        responseName: String,
        fieldName: String,
        fieldASTs: [Field],
        parentType: GraphQLObjectType,
        returnType: GraphQLOutputType,
        resolve: @escaping GraphQLFieldResolve,
        subscribe: GraphQLFieldResolve?,
        arguments: Result<Map, GraphQLError>,
        completion: Completion,
        staticPath: IndexPath?
    ) {
        var key: [UInt8] = []
        key.appendJSONString(responseName)
        key.append(UInt8(ascii: ":"))
        self.responseName = responseName
        self.key = key
        self.fieldName = fieldName
        self.fieldASTs = fieldASTs
        self.parentType = parentType
        self.returnType = returnType
        self.resolve = resolve
        self.subscribe = subscribe
        self.arguments = arguments
        self.completion = completion
        self.staticPath = staticPath
    }
}

/// How a resolved value becomes its JSON, following its type.
indirect enum Completion: Sendable {
    case nonNull(Completion)
    case list(Completion)
    case leaf(LeafSerializer)
    /// An object type with the fields selected on it (or the error collecting them raised).
    case object(GraphQLObjectType, Result<SelectionPlan, GraphQLError>)
    /// An interface or union, with the selection for each of its possible object types by name.
    case abstract(any GraphQLAbstractType, [String: Result<SelectionPlan, GraphQLError>])

    var isNonNull: Bool {
        if case .nonNull = self { return true }
        return false
    }

    /// The completion without its non-null wrapper.
    var nullable: Completion {
        if case .nonNull(let inner) = self { return inner }
        return self
    }
}

/// How a scalar or enum value is serialized.
///
/// A scalar's `serialize` closure is read once here: GraphQLSwift guards the property with a
/// dispatch queue, which would cost a synchronization per value. Values of the built-in `Int`,
/// `String` and `Boolean` scalars whose dynamic type is the one those scalars serialize without
/// conversion (`Int` in 32-bit range, `String`, `Bool`) are written directly; the result is what
/// their `serialize` gives, without its chain of casts and boxing.
enum LeafSerializer: Sendable {
    case int
    case string
    case boolean
    case other(@Sendable (Any) throws -> Map)

    init(_ type: any GraphQLLeafType) {
        if let scalar = type as? GraphQLScalarType {
            if scalar === GraphQLInt {
                self = .int
            } else if scalar === GraphQLString {
                self = .string
            } else if scalar === GraphQLBoolean {
                self = .boolean
            } else {
                self = .other(scalar.serialize)
            }
        } else {
            self = .other { try type.serialize(value: $0) }
        }
    }

    /// Writes the serialized value as JSON.
    func write(_ value: any Sendable, to output: inout [UInt8]) throws {
        switch self {
        case .int:
            if let int = value as? Int, Int(Int32.min)...Int(Int32.max) ~= int {
                output.append(contentsOf: String(int).utf8)
                return
            }
            output.appendGraphQLMap(try GraphQLInt.serialize(value: value))
        case .string:
            if let string = value as? String {
                output.appendJSONString(string)
                return
            }
            output.appendGraphQLMap(try GraphQLString.serialize(value: value))
        case .boolean:
            if let bool = value as? Bool {
                output.append(contentsOf: (bool ? "true" : "false").utf8)
                return
            }
            output.appendGraphQLMap(try GraphQLBoolean.serialize(value: value))
        case .other(let serialize):
            output.appendGraphQLMap(try serialize(value))
        }
    }
}

/// A selection plans do not cover; the operation runs through GraphQLSwift instead.
private struct UnplannableSelection: Error {}

/// Builds the selections of a plan, collecting fields exactly as GraphQLSwift's `collectFields`.
private struct Planner {
    let schema: GraphQLSchema
    let fragments: [String: FragmentDefinition]
    let variables: [String: Map]

    /// The fields `selectionSets` select on `type` (the merged sub-selections of one response field).
    mutating func selection(of type: GraphQLObjectType, in selectionSets: [SelectionSet], staticPath: IndexPath?) throws -> SelectionPlan {
        var fields = OrderedDictionary<String, [Field]>()
        for selectionSet in selectionSets {
            // GraphQLSwift starts each selection set with no fragment visited.
            try collectFields(type, selectionSet, into: &fields, visited: [:])
        }
        var plans: [FieldPlan] = []
        for (responseName, nodes) in fields {
            plans.append(try field(responseName, nodes, on: type, parentPath: staticPath))
        }
        return SelectionPlan(type: type, fields: plans)
    }

    private func collectFields(
        _ type: GraphQLObjectType,
        _ selectionSet: SelectionSet,
        into fields: inout OrderedDictionary<String, [Field]>,
        visited: [String: Bool]
    ) throws {
        // GraphQLSwift's `collectFields` works on a copy of the visited fragments: a fragment seen
        // inside one nested selection does not count as seen by the selections after it.
        var visited = visited
        for selection in selectionSet.selections {
            switch selection {
            case let field as Field:
                guard try isIncluded(field.directives) else { continue }
                fields[field.alias?.value ?? field.name.value, default: []].append(field)
            case let inline as InlineFragment:
                guard try isIncluded(inline.directives), conditionMatches(inline.typeCondition, type) else { continue }
                try collectFields(type, inline.selectionSet, into: &fields, visited: visited)
            case let spread as FragmentSpread:
                let name = spread.name.value
                guard try isIncluded(spread.directives), visited[name] == nil else { continue }
                visited[name] = true
                guard let fragment = fragments[name], conditionMatches(fragment.typeCondition, type) else { continue }
                try collectFields(type, fragment.selectionSet, into: &fields, visited: visited)
            default:
                continue
            }
        }
    }

    private func isIncluded(_ directives: [Directive]) throws -> Bool {
        if let skip = directives.first(where: { $0.name.value == GraphQLSkipDirective.name }) {
            let arguments = try argumentValues(
                definitions: ArgumentDefinition.of(GraphQLSkipDirective),
                arguments: skip.arguments,
                variables: variables
            )
            if arguments["if"] == .bool(true) { return false }
        }
        if let include = directives.first(where: { $0.name.value == GraphQLIncludeDirective.name }) {
            let arguments = try argumentValues(
                definitions: ArgumentDefinition.of(GraphQLIncludeDirective),
                arguments: include.arguments,
                variables: variables
            )
            if arguments["if"] == .bool(false) { return false }
        }
        return true
    }

    private func conditionMatches(_ condition: NamedType?, _ type: GraphQLObjectType) -> Bool {
        guard let condition, let conditionType = schema.getType(name: condition.name.value) else { return true }
        if let object = conditionType as? GraphQLObjectType, object.name == type.name { return true }
        if let abstract = conditionType as? GraphQLAbstractType {
            return schema.isSubType(abstractType: abstract, maybeSubType: type)
        }
        return false
    }

    private mutating func field(
        _ responseName: String,
        _ nodes: [Field],
        on parentType: GraphQLObjectType,
        parentPath: IndexPath?
    ) throws
        -> FieldPlan
    {
        let name = nodes[0].name.value
        let path = parentPath?.appending(responseName)
        let returnType: GraphQLOutputType
        let resolve: GraphQLFieldResolve
        var subscribe: GraphQLFieldResolve?
        let arguments: Result<Map, GraphQLError>
        if name == "__typename" {
            returnType = GraphQLNonNull(GraphQLString)
            resolve = { _, _, _, info in info.parentType.name }
            arguments = .success([:])
        } else if name == "__schema" || name == "__type", schema.queryType?.name == parentType.name {
            throw UnplannableSelection()
        } else {
            // The field's configuration: what GraphQLSwift's internal definition is made from.
            guard let definition = try parentType.fields()[name] else {
                throw GraphQLError(message: "Expected field definition not found: '\(name)' on '\(parentType.name)'")
            }
            returnType = definition.type
            resolve = definition.resolve ?? defaultResolve
            subscribe = definition.subscribe
            do {
                arguments = .success(
                    try argumentValues(definitions: ArgumentDefinition.of(definition), arguments: nodes[0].arguments, variables: variables)
                )
            } catch let error as GraphQLError {
                arguments = .failure(error)
            }
        }
        return FieldPlan(
            responseName: responseName,
            fieldName: name,
            fieldASTs: nodes,
            parentType: parentType,
            returnType: returnType,
            resolve: resolve,
            subscribe: subscribe,
            arguments: arguments,
            completion: try completion(returnType, nodes, path: path),
            staticPath: path
        )
    }

    private mutating func completion(_ type: GraphQLType, _ nodes: [Field], path: IndexPath?) throws -> Completion {
        switch type {
        case let nonNull as GraphQLNonNull:
            return .nonNull(try completion(nonNull.ofType, nodes, path: path))
        case let list as GraphQLList:
            // GraphQLSwift 4.3.0 fails a whole execution (MapError) when a list whose items may be
            // null holds a null; a plan would give the list instead. Such lists are left to it.
            guard list.ofType is GraphQLNonNull else { throw UnplannableSelection() }
            // Below a list, paths hold the item's index: they are made as items are completed.
            return .list(try completion(list.ofType, nodes, path: nil))
        case let leaf as any GraphQLLeafType:
            return .leaf(LeafSerializer(leaf))
        case let object as GraphQLObjectType:
            return .object(object, try subselection(of: object, nodes, path: path))
        case let abstract as any GraphQLAbstractType:
            var selections: [String: Result<SelectionPlan, GraphQLError>] = [:]
            for object in schema.getPossibleTypes(abstractType: abstract) {
                selections[object.name] = try subselection(of: object, nodes, path: path)
            }
            return .abstract(abstract, selections)
        default:
            throw UnplannableSelection()
        }
    }

    private mutating func subselection(
        of type: GraphQLObjectType,
        _ nodes: [Field],
        path: IndexPath?
    ) throws
        -> Result<SelectionPlan, GraphQLError>
    {
        do {
            return .success(try selection(of: type, in: nodes.compactMap(\.selectionSet), staticPath: path))
        } catch let error as GraphQLError {
            return .failure(error)
        }
    }
}

/// GraphQLSwift's default resolver: the source's property of the field's name.
@Sendable
func defaultResolve(
    source: any Sendable,
    arguments: Map,
    context: any Sendable,
    info: GraphQLResolveInfo
) async throws
    -> (any Sendable)?
{
    guard let source = unwrapOptional(source) else { return nil }
    if let subscriptable = source as? KeySubscriptable { return subscriptable[info.fieldName] }
    if let subscriptable = source as? [String: any Sendable] { return subscriptable[info.fieldName] }
    if let subscriptable = source as? OrderedDictionary<String, any Sendable> { return subscriptable[info.fieldName] }
    guard let child = Mirror(reflecting: source).children.first(where: { $0.label == info.fieldName }) else { return nil }
    return unwrapOptional(assumeSendable(child.value))
}

/// A value of unknown type, taken as sendable, as GraphQLSwift takes resolvers' values and
/// subscription events (with `as!`, which the compiler flags as a cast that always succeeds).
/// `Sendable` is a marker protocol: `any Sendable` has the layout of `Any`, so the value is read
/// through a pointer rebound to it.
func assumeSendable(_ value: Any) -> any Sendable {
    withUnsafePointer(to: value) { $0.withMemoryRebound(to: (any Sendable).self, capacity: 1) { $0.pointee } }
}

/// GraphQLSwift's `unwrap`: an `Optional` boxed in `any Sendable` unwrapped one level, any other
/// value as it is. Read without `Mirror`, which GraphQLSwift builds for every value it completes.
func unwrapOptional(_ value: any Sendable) -> (any Sendable)? {
    guard let optional = value as? any OptionalValue else { return value }
    return optional.wrappedSendable
}

/// An `Optional` of any type, seen through a value of unknown type.
protocol OptionalValue {
    var wrappedSendable: (any Sendable)? { get }
}

extension Optional: OptionalValue {
    var wrappedSendable: (any Sendable)? {
        guard case .some(let wrapped) = self else { return nil }
        return assumeSendable(wrapped)
    }
}
