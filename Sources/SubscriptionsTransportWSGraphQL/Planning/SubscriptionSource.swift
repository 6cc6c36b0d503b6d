import GraphQL

extension ExecutionPlan {
    /// Creates the source event stream of a planned subscription, as GraphQLSwift's
    /// `executeSubscription` does: the first root field's `subscribe` resolver (or the default
    /// resolver) is called with the executor's root value.
    ///
    /// - Returns: The stream, or the errors that prevented it, as GraphQLSwift reports them.
    /// - Throws: What GraphQLSwift lets through: errors other than `GraphQLError` from collecting the
    ///   root fields.
    func sourceStream(rootValue: any Sendable, context: any Sendable) async -> Result<any AsyncSequence & Sendable, GraphQLErrors> {
        let field: FieldPlan
        let arguments: Map
        do {
            guard let first = try root.get().fields.first else {
                throw GraphQLError(message: "Subscription field resolution resulted in no field nodes.")
            }
            field = first
            arguments = try first.arguments.get()
        } catch let error as GraphQLError {
            return .failure(GraphQLErrors([error]))
        } catch {
            return .failure(GraphQLErrors([GraphQLError(error)]))
        }
        let info = ResolveInfoFields(
            fieldName: field.fieldName,
            fieldASTs: field.fieldASTs,
            returnType: field.returnType,
            parentType: field.parentType,
            // GraphQLSwift's source stream path is the field's name, not its alias.
            path: IndexPath([field.fieldName]),
            schema: schema,
            fragments: fragments,
            rootValue: rootValue,
            operation: operation,
            variableValues: infoVariableValues
        ).info
        let resolved: (any Sendable)?
        do {
            resolved = try await (field.subscribe ?? defaultResolve)(rootValue, arguments, context, info)
        } catch let error as GraphQLError {
            return .failure(GraphQLErrors([error]))
        } catch {
            return .failure(GraphQLErrors([GraphQLError(error)]))
        }
        if let error = resolved as? GraphQLError {
            return .failure(GraphQLErrors([error]))
        }
        guard let resolved else {
            return .failure(GraphQLErrors([GraphQLError(message: "Resolved subscription was nil")]))
        }
        if resolved is any AsyncSequence {
            // `resolved` is sendable, so is the sequence in it; the cast checks only `AsyncSequence`.
            return .success(resolved as! any AsyncSequence & Sendable)
        }
        return .failure(
            GraphQLErrors([
                GraphQLError(
                    message: "Subscription field resolver must return an AsyncSequence. Received: '\(resolved as AnyObject)'"
                )
            ])
        )
    }
}
