import GraphQL

/// Collects the root fields of an operation by response name, the way execution's CollectFields does.
struct RootFieldCollector {
    /// The field nodes that share one response name, in document order.
    struct ResponseField {
        var responseName: String
        var nodes: [Field]
    }

    let schema: GraphQLSchema
    let rootType: GraphQLObjectType
    let fragment: (String) -> FragmentDefinition?
    private(set) var fields: [ResponseField] = []
    private var visitedFragments: Set<String> = []

    /// - Parameters:
    ///   - schema: The schema the document is for.
    ///   - rootType: The operation's root type.
    ///   - fragment: Finds a fragment definition of the document by name.
    init(schema: GraphQLSchema, rootType: GraphQLObjectType, fragment: @escaping (String) -> FragmentDefinition?) {
        self.schema = schema
        self.rootType = rootType
        self.fragment = fragment
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
                guard let fragment = fragment(name), applies(fragment.typeCondition) else {
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
        guard let abstractType = schema.getType(name: name) as? GraphQLAbstractType else { return false }
        return schema.isSubType(abstractType: abstractType, maybeSubType: rootType)
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
