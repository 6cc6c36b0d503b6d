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
            var collector = RootFieldCollector(context: context, rootType: subscriptionType)
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

/// Collects the root fields of an operation by response name, the way execution's CollectFields does.
private struct RootFieldCollector {
    /// The field nodes that share one response name, in document order.
    struct ResponseField {
        var responseName: String
        var nodes: [Field]
    }

    let context: ValidationContext
    let rootType: GraphQLObjectType
    private(set) var fields: [ResponseField] = []
    private var visitedFragments: Set<String> = []

    init(context: ValidationContext, rootType: GraphQLObjectType) {
        self.context = context
        self.rootType = rootType
    }

    mutating func collect(_ selectionSet: SelectionSet) {
        for selection in selectionSet.selections {
            switch selection {
            case let field as Field:
                guard isIncluded(field.directives) else { continue }
                let responseName = field.alias?.value ?? field.name.value
                if let index = fields.firstIndex(where: { $0.responseName == responseName }) {
                    fields[index].nodes.append(field)
                } else {
                    fields.append(ResponseField(responseName: responseName, nodes: [field]))
                }
            case let fragment as InlineFragment:
                guard isIncluded(fragment.directives), applies(fragment.typeCondition) else { continue }
                collect(fragment.selectionSet)
            case let spread as FragmentSpread:
                let name = spread.name.value
                guard isIncluded(spread.directives), !visitedFragments.contains(name) else { continue }
                visitedFragments.insert(name)
                guard let fragment = context.getFragment(name: name), applies(fragment.typeCondition) else {
                    continue
                }
                collect(fragment.selectionSet)
            default:
                continue
            }
        }
    }

    /// Whether a fragment with this type condition applies to the root type.
    private func applies(_ typeCondition: NamedType?) -> Bool {
        guard let typeCondition else { return true }
        let name = typeCondition.name.value
        if name == rootType.name { return true }
        guard let abstractType = context.schema.getType(name: name) as? GraphQLAbstractType else { return false }
        return context.schema.isSubType(abstractType: abstractType, maybeSubType: rootType)
    }

    /// Whether `@skip`/`@include` keep a selection, judged on literal arguments only.
    private func isIncluded(_ directives: [Directive]) -> Bool {
        for directive in directives {
            guard let condition = directive.arguments.first(where: { $0.name.value == "if" })?.value as? BooleanValue
            else { continue }
            switch directive.name.value {
            case "skip" where condition.value: return false
            case "include" where !condition.value: return false
            default: continue
            }
        }
        return true
    }
}
