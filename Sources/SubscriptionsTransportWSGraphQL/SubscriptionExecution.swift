/// How a ``GraphQLSwiftExecutor`` executes the events of subscriptions.
public struct SubscriptionExecution: Sendable, Hashable {
    private enum Kind: Hashable {
        case planned
        case graphQLSwift
    }

    private let kind: Kind

    /// Each subscription is planned when it starts; each event then only runs the resolvers and
    /// writes the result's JSON, in the task that consumes the results. The default.
    ///
    /// Results are identical to ``graphQLSwift``'s. The differences are in how they are produced:
    /// sibling fields run one after the other rather than as concurrent tasks (several errors come in
    /// document order), and the source stream is pulled as results are consumed, with no buffer in
    /// between, so a slow consumer slows the source instead of queueing its events without bound.
    public static let planned = SubscriptionExecution(kind: .planned)

    /// Every event runs through GraphQLSwift's `graphqlSubscribe`, which executes the whole
    /// operation per event with `execute`, in a task of its own.
    public static let graphQLSwift = SubscriptionExecution(kind: .graphQLSwift)
}
