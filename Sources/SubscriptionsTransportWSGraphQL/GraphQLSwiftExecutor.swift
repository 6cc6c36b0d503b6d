import Foundation
import GraphQL
import SubscriptionsTransportWS

/// The name GraphQLSwift puts in syntax error messages; it is stripped again when they are reworded.
private let sourceName = "GraphQL request"

/// Runs GraphQL operations with GraphQLSwift (`GraphQLSwift/GraphQL`) for a protocol server.
///
/// Each document is parsed and validated once and kept in a bounded cache (by document text and
/// operation name), so starting the same operation again skips both. Queries and mutations run with
/// GraphQLSwift's `execute`. Subscriptions are planned: everything that does not change between
/// events (selected fields, field definitions, coerced arguments and variables) is prepared once,
/// and each event runs only the resolvers and writes the result's JSON directly, in the task that
/// consumes the results. The results are the same as GraphQLSwift's own subscription execution
/// (held side by side by the package's differential tests); see ``SubscriptionExecution``.
///
/// ```swift
/// let executor = try GraphQLSwiftExecutor<User>(schema: ExampleSchema.make())
/// ```
///
/// ### Graphiti
///
/// A Graphiti `Schema` wraps a `GraphQLSchema` in its `schema` property; pass that, and pass the
/// Graphiti resolver as the root value. Graphiti's resolvers cast `context` to the schema's
/// `Context` type, so the connection context must be that type, or `resolverContext` must make one:
///
/// ```swift
/// let api = ChatAPI()
/// let executor = try GraphQLSwiftExecutor<User>(
///     schema: api.schema.schema,
///     rootValue: api.resolver,
///     resolverContext: { user, _ in ChatContext(user: user) }
/// )
/// ```
///
/// ### How failures are reported
///
/// - A document that cannot be parsed throws `GraphQLRequestError` with one error, worded as
///   graphql-js does (`Syntax Error: Expected Name, found <EOF>.`) and located.
/// - Validation errors, and an operation name that matches no operation
///   (`Unable to identify operation`), or a missing name in a document with several operations,
///   return `ExecutionOutcome.rejected(_:)`.
/// - Variable values that do not fit their types, and a subscription whose source stream cannot be
///   created (its `subscribe` resolver threw or returned no stream), return
///   `ExecutionOutcome.single(_:)` holding `{"errors":[…]}`, as graphql-js's `execute` and
///   `subscribe` return an execution result for them. Like graphql-js, an error from the
///   `subscribe` resolver carries its own message, the root field's location and its path.
/// - Errors in resolvers are part of the result (`data` with `null`s, and `errors` with a `path`).
///   GraphQLSwift 4.3.0 passes a `GraphQLError` thrown by a resolver through without locations or
///   path (throw another error type to get them), and leaves `data` out, rather than `null`, when a
///   non-null root field fails.
/// - Errors thrown by `resolverContext`, and errors GraphQLSwift throws that are not GraphQL errors,
///   propagate unchanged. A subscription whose source stream throws makes the result stream throw
///   the same error.
///
/// ### Subscriptions
///
/// The stream can be iterated once. Cancelling the task that iterates it stops the subscription's
/// source. GraphQLSwift 4.3.0 iterates the source in a task of its own and stops it only when that
/// consumer is cancelled or the source ends: a consumer that leaves the loop without cancelling its
/// task leaves the source running until the source ends by itself.
///
/// Planned execution covers every subscription except those whose root field is introspection's
/// `__schema` or `__type` (which subscriptions cannot select), and needs GraphQLSwift's
/// `GraphQLResolveInfo` to have the layout of 4.3.0; when it cannot be used, subscriptions run through
/// GraphQLSwift's `graphqlSubscribe` (``SubscriptionExecution/graphQLSwift``), which parses the
/// document a second time (validation is not repeated) and runs each event in a task of its own.
public struct GraphQLSwiftExecutor<Context: Sendable>: GraphQLExecutor {
    /// Produces the value that resolvers receive as `context` for one operation.
    ///
    /// - Parameters:
    ///   - context: The connection's context (what the connect hook returned).
    ///   - request: The operation being started.
    /// - Returns: The resolvers' context.
    public typealias ResolverContextProvider =
        @Sendable (_ context: Context, _ request: OperationRequest) async throws -> any Sendable

    /// The validation rules used when none are given: GraphQLSwift's `specifiedRules` and
    /// ``singleFieldSubscriptionsRule(context:)``, which GraphQLSwift 4.3.0 leaves out.
    public static var defaultValidationRules: [@Sendable (ValidationContext) -> Visitor] {
        specifiedRules + [singleFieldSubscriptionsRule]
    }

    /// The schema operations run against.
    public let schema: GraphQLSchema
    /// Whether the schema has `@oneOf` input objects, whose variables are checked before GraphQLSwift
    /// sees them.
    private let hasOneOfInputs: Bool
    /// The value root fields' resolvers receive as their source (for subscriptions, the
    /// subscription field's `subscribe` resolver receives it).
    public let rootValue: any Sendable
    /// The rules every document is validated with.
    public let validationRules: [@Sendable (ValidationContext) -> Visitor]
    /// How subscription events are executed.
    public let subscriptionExecution: SubscriptionExecution
    /// Which subscriptions share one execution per event.
    public let subscriptionSharing: SubscriptionSharing<Context>
    private let resolverContext: ResolverContextProvider
    private let documents: DocumentCache
    private let sharedExecutions = SharedExecutions()

    /// Creates an executor for a schema.
    ///
    /// The schema is validated here, once, so that an invalid schema fails at startup rather than
    /// on every operation (and so that GraphQLSwift's unsynchronised cache of the schema's
    /// validation result is filled before operations run concurrently).
    ///
    /// - Parameters:
    ///   - schema: The schema; for Graphiti, its `schema` property.
    ///   - rootValue: The root fields' source value; for Graphiti, the resolver. Defaults to `()`.
    ///   - validationRules: The rules documents are validated with; an empty list means
    ///     GraphQLSwift's `specifiedRules`. Defaults to ``defaultValidationRules``.
    ///   - resolverContext: Makes the resolvers' `context` for one operation. By default the
    ///     connection context itself is passed, so what the connect hook returned reaches resolvers.
    ///   - subscriptionExecution: How subscription events are executed. By default
    ///     ``SubscriptionExecution/planned``.
    ///   - documentCacheSize: How many distinct documents (by text and operation name) are kept
    ///     parsed and validated. By default 1,000; 0 keeps none.
    ///   - subscriptionSharing: Which subscriptions share one execution per event (planned
    ///     execution only). By default none: see ``SubscriptionSharing``.
    /// - Throws: ``GraphQLSchemaValidationError`` when the schema is not valid.
    public init(
        schema: GraphQLSchema,
        rootValue: any Sendable = (),
        validationRules: [@Sendable (ValidationContext) -> Visitor] = Self.defaultValidationRules,
        resolverContext: @escaping ResolverContextProvider = { context, _ in context },
        subscriptionExecution: SubscriptionExecution = .planned,
        documentCacheSize: Int = 1000,
        subscriptionSharing: SubscriptionSharing<Context> = .none
    ) throws {
        let schemaErrors = validateSchema(schema: schema)
        guard schemaErrors.isEmpty else {
            throw GraphQLSchemaValidationError(errors: schemaErrors.map(GraphQLFormattedError.init))
        }
        self.schema = schema
        self.hasOneOfInputs = schema.typeMap.values.contains { ($0 as? GraphQLInputObjectType)?.isOneOf == true }
        self.rootValue = rootValue
        self.validationRules = validationRules
        self.resolverContext = resolverContext
        self.subscriptionExecution = subscriptionExecution
        self.subscriptionSharing = subscriptionSharing
        self.documents = DocumentCache(capacity: max(0, documentCacheSize))
    }

    /// Parses, validates and starts one operation.
    ///
    /// - Parameters:
    ///   - request: The operation as the client sent it.
    ///   - context: The connection's context.
    /// - Returns: `.single` for queries and mutations (and for subscriptions that fail to start),
    ///   `.stream` for subscriptions, `.rejected` for invalid documents.
    /// - Throws: `GraphQLRequestError` for a syntax error; anything `resolverContext` throws.
    public func execute(
        _ request: OperationRequest,
        context: Context
    ) async throws
        -> ExecutionOutcome
    {
        let prepared: PreparedOperation
        switch documents.entry(for: .init(query: request.query, operationName: request.operationName), prepare: prepare) {
        case .syntaxError(let error): throw error
        case .rejected(let errors): return .rejected(errors)
        case .ready(let ready): prepared = ready
        }

        let variables = request.variables.mapValues(Map.init(json:))
        if hasOneOfInputs, !prepared.operation.variableDefinitions.isEmpty {
            // GraphQLSwift 4.3.0 crashes coercing a `@oneOf` input given no field (it reads the first
            // key of none); this package's coercion reports it, so such schemas check variables first.
            do {
                _ = try coerceVariableValues(schema: schema, definitions: prepared.operation.variableDefinitions, inputs: variables)
            } catch let error as GraphQLError {
                return .single(ExecutionResult(GraphQLResult(errors: [error])))
            }
        }
        let resolverContext = try await resolverContext(context, request)

        switch prepared.operation.operation {
        case .query, .mutation:
            let result = try await GraphQL.execute(
                schema: schema,
                documentAST: prepared.document,
                rootValue: rootValue,
                context: resolverContext,
                variableValues: variables,
                operationName: request.operationName
            )
            return .single(ExecutionResult(result))
        case .subscription:
            if subscriptionExecution == .planned,
                let outcome = try await plannedSubscription(
                    request,
                    prepared,
                    variables: variables,
                    context: context,
                    resolverContext: resolverContext
                )
            {
                return outcome
            }
            return try await subscribe(
                request,
                operation: prepared.operation,
                document: prepared.document,
                variables: variables,
                resolverContext: resolverContext
            )
        }
    }

    /// Parses and validates a document and chooses its operation: what the cache keeps.
    private func prepare(_ key: DocumentCache.Key) -> DocumentCache.Entry {
        let document: Document
        do {
            document = try parse(source: Source(body: key.query, name: sourceName))
        } catch let error as GraphQLError {
            return .syntaxError(GraphQLRequestError([GraphQLFormattedError(syntaxError: error, sourceName: sourceName)]))
        } catch {
            return .syntaxError(GraphQLRequestError([GraphQLFormattedError(message: String(describing: error))]))
        }

        let validationErrors = validate(schema: schema, ast: document, rules: validationRules)
        guard validationErrors.isEmpty else {
            return .rejected(validationErrors.map(GraphQLFormattedError.init))
        }

        switch Self.operation(in: document, named: key.operationName) {
        case .success(let operation):
            var plan: ExecutionPlan?
            if operation.operation == .subscription, operation.variableDefinitions.isEmpty, subscriptionExecution == .planned {
                plan = try? ExecutionPlan.make(schema: schema, document: document, operation: operation, variables: [:])
            }
            return .ready(PreparedOperation(document: document, operation: operation, plan: plan))
        case .failure(let error):
            return .rejected([error])
        }
    }

    /// Starts a subscription with its plan.
    ///
    /// - Returns: The outcome, or `nil` when the operation cannot be planned.
    private func plannedSubscription(
        _ request: OperationRequest,
        _ prepared: PreparedOperation,
        variables: [String: Map],
        context: Context,
        resolverContext: any Sendable
    ) async throws -> ExecutionOutcome? {
        let plan: ExecutionPlan
        do {
            if let cached = prepared.plan {
                plan = cached
            } else {
                let coerced = try coerceVariableValues(
                    schema: schema,
                    definitions: prepared.operation.variableDefinitions,
                    inputs: variables
                )
                guard
                    let made = try ExecutionPlan.make(
                        schema: schema,
                        document: prepared.document,
                        operation: prepared.operation,
                        variables: coerced
                    )
                else { return nil }
                plan = made
            }
        } catch let error as GraphQLError {
            // Variables that do not fit their types: a result, as `execute` and `subscribe` return it.
            return .single(ExecutionResult(GraphQLResult(errors: [error])))
        }
        let sourceFailure = { @Sendable [self] (errors: [GraphQLError]) in
            ExecutionResult(GraphQLResult(errors: locate(errors, atRootFieldOf: prepared.operation, in: prepared.document)))
        }
        if let rootField = try? plan.root.get().fields.first?.fieldName,
            subscriptionSharing.fields.contains(rootField),
            let contextKey = subscriptionSharing.contextKey(context)
        {
            return await sharedExecutions.subscribe(
                key: .init(
                    document: .init(query: request.query, operationName: request.operationName),
                    variables: request.variables,
                    contextKey: contextKey
                ),
                bufferSize: subscriptionSharing.bufferSize,
                plan: plan,
                resolverContext: resolverContext,
                rootValue: rootValue,
                failure: sourceFailure
            )
        }
        switch await plan.sourceStream(rootValue: rootValue, context: resolverContext) {
        case .success(let source):
            return .stream(PlannedEventSequence(source: source, plan: plan, context: resolverContext))
        case .failure(let errors):
            return .single(sourceFailure(errors.errors))
        }
    }

    /// How many shared executions are live (see ``SubscriptionSharing``).
    public var sharedExecutionCount: Int { sharedExecutions.count }

    /// How many subscribers of shared executions take their results grouped by connection.
    var batchedSharedSubscriberCount: Int { sharedExecutions.batchedSubscriberCount }

    /// How many distinct documents are kept parsed and validated.
    public var cachedDocumentCount: Int { documents.count }

    private func subscribe(
        _ request: OperationRequest,
        operation: OperationDefinition,
        document: Document,
        variables: [String: Map],
        resolverContext: any Sendable
    ) async throws -> ExecutionOutcome {
        let subscription: Result<AsyncThrowingStream<GraphQLResult, any Error>, GraphQLErrors>
        do {
            subscription = try await graphqlSubscribe(
                schema: schema,
                request: request.query,
                rootValue: rootValue,
                context: resolverContext,
                variableValues: variables,
                operationName: request.operationName,
                // The document was validated above; an empty list would mean "the specified rules".
                validationRules: [{ _ in Visitor(enter: { _, _, _, _, _ in .break }) }]
            )
        } catch let error as GraphQLError {
            // Variable coercion fails here by throwing, where `execute` returns it as a result.
            return .single(ExecutionResult(GraphQLResult(errors: [error])))
        }
        switch subscription {
        case .success(let results):
            return .stream(GraphQLResultSequence(results: results))
        case .failure(let errors):
            let errors = locate(errors.errors, atRootFieldOf: operation, in: document)
            return .single(ExecutionResult(GraphQLResult(errors: errors)))
        }
    }

    /// Gives errors from creating a subscription's source stream the message, locations and path
    /// graphql-js gives them.
    ///
    /// GraphQLSwift 4.3.0 wraps an error thrown by a `subscribe` resolver in `GraphQLError(error)`,
    /// whose message is Foundation's "The operation could not be completed. (…)" and which has
    /// neither locations nor path. graphql-js reports the error's own message, located at the root
    /// field, with the root field's response name as path; so does execution here for field errors
    /// (`String(describing:)` of the error). Errors that already have a path are kept as they are.
    private func locate(
        _ errors: [GraphQLError],
        atRootFieldOf operation: OperationDefinition,
        in document: Document
    ) -> [GraphQLError] {
        guard let subscriptionType = schema.subscriptionType else { return errors }
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions {
            fragments[fragment.name.value] = fragment
        }
        var collector = RootFieldCollector(schema: schema, rootType: subscriptionType) { fragments[$0] }
        collector.collect(operation.selectionSet)
        guard let rootField = collector.fields.first else { return errors }

        return errors.map { error in
            guard error.path.elements.isEmpty else { return error }
            var message = error.message
            if let original = error.originalError, !(original is GraphQLError),
                message == original.localizedDescription
            {
                message = String(describing: original)
            }
            let path = GraphQL.IndexPath([rootField.responseName])
            guard error.locations.isEmpty else {
                return GraphQLError(
                    message: message,
                    locations: error.locations,
                    path: path,
                    extensions: error.extensions
                )
            }
            return GraphQLError(
                message: message,
                nodes: rootField.nodes,
                path: path,
                originalError: error.originalError,
                extensions: error.extensions
            )
        }
    }

    /// Chooses the operation to run, or the error that says why none can be chosen.
    private static func operation(
        in document: Document,
        named name: String?
    ) -> Result<OperationDefinition, GraphQLFormattedError> {
        let operations = document.definitions.compactMap { $0 as? OperationDefinition }
        if let name {
            guard let operation = operations.first(where: { $0.name?.value == name }) else {
                return .failure(GraphQLFormattedError(message: "Unable to identify operation"))
            }
            return .success(operation)
        }
        guard let operation = operations.first else {
            return .failure(GraphQLFormattedError(message: "Must provide an operation."))
        }
        guard operations.count == 1 else {
            return .failure(
                GraphQLFormattedError(message: "Must provide operation name if query contains multiple operations.")
            )
        }
        return .success(operation)
    }
}
