import GraphQL

/// The validation rule "Single root field" for subscription operations, which GraphQLSwift 4.3.0
/// leaves out of its `specifiedRules`.
///
/// A subscription must select exactly one root field, and that field must not be an introspection
/// field (GraphQL specification, section 5.2.3.1). Root fields are collected as execution does:
/// through fragment spreads and inline fragments, merged by response name, and skipping selections
/// whose `@skip`/`@include` argument is a literal that excludes them (a variable argument is not
/// known during validation and counts as included). The messages match graphql-js:
/// `Subscription "Name" must select only one top level field.`, or
/// `Anonymous Subscription must select only one top level field.`, located at the extra fields.
///
/// Use it with the specified rules: `specifiedRules + [singleFieldSubscriptionsRule]`.
///
/// - Parameter context: The validation context.
/// - Returns: The visitor that reports violations.
public func singleFieldSubscriptionsRule(context: ValidationContext) -> Visitor {
    Visitor(
        enter: { node, _, _, _, _ in
            guard let operation = node as? OperationDefinition else { return .continue }
            guard operation.operation == .subscription, let subscriptionType = context.schema.subscriptionType
            else { return .skip }
            var collector = RootFieldCollector(schema: context.schema, rootType: subscriptionType) {
                context.getFragment(name: $0)
            }
            collector.collect(operation.selectionSet)
            let subject = operation.name.map { "Subscription \"\($0.value)\"" } ?? "Anonymous Subscription"
            if collector.fields.count > 1 {
                context.report(
                    error: GraphQLError(
                        message: "\(subject) must select only one top level field.",
                        nodes: collector.fields.dropFirst().flatMap(\.nodes)
                    )
                )
            }
            for field in collector.fields where field.nodes[0].name.value.hasPrefix("__") {
                context.report(
                    error: GraphQLError(
                        message: "\(subject) must not select an introspection top level field.",
                        nodes: field.nodes
                    )
                )
            }
            return .skip
        }
    )
}
