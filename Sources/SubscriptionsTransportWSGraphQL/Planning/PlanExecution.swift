import GraphQL

extension ExecutionPlan {
    /// Executes the plan once and returns the encoded result, `{"data":…,"errors":[…]}`.
    ///
    /// - Parameters:
    ///   - rootValue: The root fields' source: for a subscription, the event.
    ///   - context: The value resolvers receive as `context`.
    /// - Returns: The UTF-8 JSON of the result, exactly as `ExecutionResult(GraphQLResult)` encodes
    ///   what GraphQLSwift's `execute` returns for the same operation.
    nonisolated(nonsending) func execute(rootValue: any Sendable, context: any Sendable) async -> [UInt8] {
        var run = PlanExecution(plan: self, rootValue: rootValue, context: context)
        return await run.result()
    }
}

/// One execution of a plan, writing JSON as fields complete.
///
/// A field that fails and may be null is cut back to `null` where its value began; a failure that
/// may not be null travels up to the nearest field that may, as in GraphQLSwift. GraphQLSwift 4.3.0
/// behaviours kept so that results are identical:
/// - a failure that reaches the root leaves only that error, without `data`;
/// - `Cannot return null for non-nullable field …` carries neither locations nor path;
/// - an error thrown by a resolver as `GraphQLError` is reported as thrown, without locations or path;
/// - arguments that do not fit their field fail the enclosing field, not the field itself.
struct PlanExecution {
    private let plan: ExecutionPlan
    private let rootValue: any Sendable
    private let context: any Sendable
    private var output: [UInt8] = []
    private var errors: [GraphQLError] = []

    init(plan: ExecutionPlan, rootValue: any Sendable, context: any Sendable) {
        self.plan = plan
        self.rootValue = rootValue
        self.context = context
    }

    nonisolated(nonsending) mutating func result() async -> [UInt8] {
        output.reserveCapacity(128)
        output.append(contentsOf: #"{"data":"#.utf8)
        do {
            try await writeObject(try plan.root.get(), source: rootValue, path: IndexPath())
        } catch {
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: #"{"errors":["#.utf8)
            output.appendGraphQLError(error as? GraphQLError ?? GraphQLError(error))
            output.append(contentsOf: "]}".utf8)
            return output
        }
        if !errors.isEmpty {
            output.append(contentsOf: #","errors":["#.utf8)
            for (offset, error) in errors.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                output.appendGraphQLError(error)
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    nonisolated(nonsending) private mutating func writeObject(_ selection: SelectionPlan, source: any Sendable, path: IndexPath) async throws {
        output.append(UInt8(ascii: "{"))
        for (offset, field) in selection.fields.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: field.key)
            try await writeField(field, source: source, path: field.staticPath ?? path.appending(field.responseName))
        }
        output.append(UInt8(ascii: "}"))
    }

    /// GraphQLSwift's `resolveField`: resolve, then complete, catching what may be null.
    nonisolated(nonsending) private mutating func writeField(_ field: FieldPlan, source: any Sendable, path: IndexPath) async throws {
        let arguments = try field.arguments.get()
        let info = ResolveInfoFields(
            fieldName: field.fieldName,
            fieldASTs: field.fieldASTs,
            returnType: field.returnType,
            parentType: field.parentType,
            path: path,
            schema: plan.schema,
            fragments: plan.fragments,
            rootValue: rootValue,
            operation: plan.operation,
            variableValues: plan.infoVariableValues
        ).info
        let resolved: Result<(any Sendable)?, any Error>
        do {
            resolved = .success(try await field.resolve(source, arguments, context, info))
        } catch {
            resolved = .failure(error)
        }
        try await completeCatchingError(field.completion, resolved, field: field, info: info, path: path)
    }

    /// GraphQLSwift's `completeValueCatchingError` and `completeValueWithLocatedError`: a failure
    /// is located at the field, and a failure of a value that may be null is recorded and the value
    /// written as `null`.
    nonisolated(nonsending) private mutating func completeCatchingError(
        _ completion: Completion,
        _ resolved: Result<(any Sendable)?, any Error>,
        field: FieldPlan,
        info: GraphQLResolveInfo,
        path: IndexPath
    ) async throws {
        let start = output.count
        do {
            let wrote: Bool
            do {
                // Scalars and enums, the most common fields, complete without another async call.
                if let leaf = try completeLeaf(completion, resolved, field: field) {
                    wrote = leaf
                } else {
                    wrote = try await complete(completion, resolved, field: field, info: info, path: path)
                }
            } catch let error as GraphQLError {
                throw error
            } catch {
                throw GraphQLError(message: String(describing: error), nodes: field.fieldASTs, path: path, originalError: error)
            }
            if !wrote { output.append(contentsOf: "null".utf8) }
        } catch let error as GraphQLError where !completion.isNonNull {
            output.removeSubrange(start...)
            errors.append(error)
            output.append(contentsOf: "null".utf8)
        }
    }

    /// ``complete(_:_:field:info:path:)`` for a scalar or enum, possibly non-null.
    ///
    /// - Returns: Whether a value was written, or `nil` when the completion is not a leaf's.
    private mutating func completeLeaf(
        _ completion: Completion,
        _ resolved: Result<(any Sendable)?, any Error>,
        field: FieldPlan
    ) throws
        -> Bool?
    {
        switch completion {
        case .leaf(let serializer):
            guard let value = try resolved.get(), let unwrapped = unwrapOptional(value) else { return false }
            try serializer.write(unwrapped, to: &output)
            return true
        case .nonNull(.leaf):
            guard try completeLeaf(completion.nullable, resolved, field: field) == true else {
                throw GraphQLError(message: "Cannot return null for non-nullable field \(field.parentType.name).\(field.fieldName).")
            }
            return true
        default:
            return nil
        }
    }

    /// GraphQLSwift's `completeValue`.
    ///
    /// - Returns: Whether a value was written; `false` for a null value, of which nothing is written.
    nonisolated(nonsending) private mutating func complete(
        _ completion: Completion,
        _ resolved: Result<(any Sendable)?, any Error>,
        field: FieldPlan,
        info: GraphQLResolveInfo,
        path: IndexPath
    ) async throws -> Bool {
        let value = try resolved.get()
        if case .nonNull(let inner) = completion {
            guard try await complete(inner, .success(value), field: field, info: info, path: path) else {
                throw GraphQLError(message: "Cannot return null for non-nullable field \(field.parentType.name).\(field.fieldName).")
            }
            return true
        }
        guard let value, let unwrapped = unwrapOptional(value) else { return false }
        switch completion {
        case .nonNull:
            preconditionFailure("handled above")
        case .list(let item):
            guard let items = unwrapped as? [(any Sendable)?] else {
                throw GraphQLError(
                    message: "Expected array, but did not find one for field \(field.parentType.name).\(field.fieldName)."
                )
            }
            // Items are never null in a plan (see `ExecutionPlan`): a failed item fails the list.
            output.append(UInt8(ascii: "["))
            for (index, element) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try await completeCatchingError(item, .success(element), field: field, info: info, path: path.appending(index))
            }
            output.append(UInt8(ascii: "]"))
            return true
        case .leaf(let serializer):
            try serializer.write(unwrapped, to: &output)
            return true
        case .object(let type, let selection):
            try await writeObject(of: type, selection, source: unwrapped, field: field, info: info, path: path)
            return true
        case .abstract(let type, let selections):
            let runtimeType = try runtimeObjectType(of: unwrapped, abstractType: type, field: field, info: info)
            guard let selection = selections[runtimeType.name] else {
                throw GraphQLError(
                    message: "Runtime Object type \"\(runtimeType.name)\" is not a possible type for \"\(type.name)\".",
                    nodes: field.fieldASTs
                )
            }
            try await writeObject(of: runtimeType, selection, source: unwrapped, field: field, info: info, path: path)
            return true
        }
    }

    /// GraphQLSwift's `completeObjectValue`: the type's `isTypeOf` check, then the selected fields.
    nonisolated(nonsending) private mutating func writeObject(
        of type: GraphQLObjectType,
        _ selection: Result<SelectionPlan, GraphQLError>,
        source: any Sendable,
        field: FieldPlan,
        info: GraphQLResolveInfo,
        path: IndexPath
    ) async throws {
        if let isTypeOf = type.isTypeOf, try !isTypeOf(source, info) {
            throw GraphQLError(message: "Expected value of type \"\(type.name)\" but got: \(source).", nodes: field.fieldASTs)
        }
        try await writeObject(try selection.get(), source: source, path: path)
    }

    /// GraphQLSwift's `completeAbstractValue`, up to the runtime type.
    private func runtimeObjectType(
        of value: any Sendable,
        abstractType: any GraphQLAbstractType,
        field: FieldPlan,
        info: GraphQLResolveInfo
    ) throws -> GraphQLObjectType {
        var resolved = try abstractType.resolveType?(value, info).typeResolveResult
        if resolved == nil {
            resolved = try plan.schema.getPossibleTypes(abstractType: abstractType)
                .first(where: { try $0.isTypeOf?(value, info) ?? false })
                .map { .type($0) }
        }
        guard let resolved else {
            throw GraphQLError(message: "Could not find a resolve function.", nodes: field.fieldASTs)
        }
        let runtimeType: GraphQLType?
        switch resolved {
        case .name(let name): runtimeType = plan.schema.getType(name: name)
        case .type(let type): runtimeType = type
        }
        guard let objectType = runtimeType as? GraphQLObjectType else {
            throw GraphQLError(
                message:
                    "Abstract type \(abstractType.name) must resolve to an Object type at runtime for field "
                    + "\(field.parentType.name).\(field.fieldName) with value \"\(resolved)\", received "
                    + "\"\(String(describing: runtimeType))\".",
                nodes: field.fieldASTs
            )
        }
        return objectType
    }
}
