import GraphQL

/// Makes the `GraphQLResolveInfo` values resolvers receive.
///
/// GraphQLSwift 4.3.0 gives `GraphQLResolveInfo` no public initializer, yet a planned execution must
/// call resolvers with the same info GraphQLSwift's `execute` passes. This type has the same stored
/// properties, of the same types, in the same order, so it has the same layout; values are
/// reinterpreted as `GraphQLResolveInfo`. That is checked once, before any use (``isAvailable``):
/// sizes, alignment and stride must match, and a sample value must read back unchanged through
/// every public property. If the check fails (a GraphQLSwift release changed the type), planned
/// execution is off and every operation runs through GraphQLSwift's own `execute`.
struct ResolveInfoFields {
    let fieldName: String
    let fieldASTs: [Field]
    let returnType: GraphQLOutputType
    let parentType: GraphQLCompositeType
    let path: IndexPath
    let schema: GraphQLSchema
    let fragments: [String: FragmentDefinition]
    let rootValue: any Sendable
    let operation: OperationDefinition
    let variableValues: [String: any Sendable]

    /// The info, as GraphQLSwift's own type.
    var info: GraphQLResolveInfo {
        unsafeBitCast(self, to: GraphQLResolveInfo.self)
    }

    /// Whether infos can be made this way with this build of GraphQLSwift.
    static let isAvailable: Bool = {
        guard MemoryLayout<ResolveInfoFields>.size == MemoryLayout<GraphQLResolveInfo>.size,
            MemoryLayout<ResolveInfoFields>.stride == MemoryLayout<GraphQLResolveInfo>.stride,
            MemoryLayout<ResolveInfoFields>.alignment == MemoryLayout<GraphQLResolveInfo>.alignment,
            let sample = try? sampleFields()
        else { return false }
        let info = sample.info
        return info.fieldName == sample.fieldName
            && info.fieldASTs.count == 1 && info.fieldASTs[0].loc == sample.fieldASTs[0].loc
            && (info.returnType as? GraphQLScalarType) === (sample.returnType as? GraphQLScalarType)
            && (info.parentType as? GraphQLObjectType) === (sample.parentType as? GraphQLObjectType)
            && info.path.elements == sample.path.elements
            && info.schema === sample.schema
            && info.fragments.keys.sorted() == sample.fragments.keys.sorted()
            && info.fragments["F"] === sample.fragments["F"]
            && (info.rootValue as? String) == (sample.rootValue as? String)
            && info.operation === sample.operation
            && (info.variableValues["v"] as? Int) == 42
    }()

    /// Distinct values for every property, from a small schema and document.
    private static func sampleFields() throws -> ResolveInfoFields {
        let objectType = try GraphQLObjectType(name: "Sample", fields: ["field": GraphQLField(type: GraphQLString)])
        let schema = try GraphQLSchema(query: objectType)
        let document = try parse(source: Source(body: "query Q { field } fragment F on Sample { field }"))
        guard let operation = document.definitions.first as? OperationDefinition,
            let fragment = document.definitions.last as? FragmentDefinition,
            let field = operation.selectionSet.selections.first as? Field
        else { throw GraphQLError(message: "sample document") }
        return ResolveInfoFields(
            fieldName: "field",
            fieldASTs: [field],
            returnType: GraphQLString,
            parentType: objectType,
            path: IndexPath(["field", 3]),
            schema: schema,
            fragments: ["F": fragment],
            rootValue: "root",
            operation: operation,
            variableValues: ["v": 42]
        )
    }
}
