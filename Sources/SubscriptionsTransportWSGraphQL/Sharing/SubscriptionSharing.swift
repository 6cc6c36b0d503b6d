/// Which subscriptions of a ``GraphQLSwiftExecutor`` share one execution per event.
///
/// Subscriptions share when they run the same document and operation with the same variables, on
/// a root field declared here, and ``contextKey`` gives their connections' contexts the same key:
/// the source stream is created once, each event is executed once, and every subscriber receives
/// the same encoded result (each connection wraps it in its own frame). A chat room with ten
/// thousand subscribers then costs one execution per message, not ten thousand.
///
/// Two things make sharing correct, and only the application knows them, so nothing is shared
/// unless it says so:
/// - **The field's source is live**: every subscriber with the same arguments gets the same events
///   from the moment it subscribes, as with a pub/sub topic. A source that starts over for each
///   subscriber (a counter from 0) must not be listed.
/// - **What of the context results depend on**: resolvers of a shared subscription run with the
///   context of the subscriber that started the shared execution. ``contextKey`` maps a connection's
///   context to a key that is equal exactly when resolvers would produce the same results for both
///   contexts (say, the user's role when results are filtered by role, or one constant when results
///   do not depend on the context at all). A `nil` key never shares.
///
/// ```swift
/// // Chat messages look the same to everyone: share them whatever the connection's context.
/// let executor = try GraphQLSwiftExecutor<User>(
///     schema: schema,
///     subscriptionSharing: .sharing(fields: ["messages"], contextKey: { _ in "everyone" })
/// )
/// ```
///
/// Each subscriber has its own bounded buffer of results (``bufferSize``); one that falls that far
/// behind ends with the error `Subscriber too slow` while the others go on. An error in a resolver
/// reaches only the subscribers that share that execution: different variables or context keys
/// never share.
public struct SubscriptionSharing<Context: Sendable>: Sendable {
    /// Root subscription fields whose source is live (the same events for every subscriber with
    /// the same arguments).
    public let fields: Set<String>
    /// The key of the part of a connection's context that results depend on; `nil` never shares.
    public let contextKey: @Sendable (Context) -> String?
    /// How many results each subscriber may have waiting before it is ended as too slow.
    public let bufferSize: Int

    /// No subscription shares an execution; every subscriber executes every event itself. The
    /// default.
    public static var none: Self {
        Self(fields: [], contextKey: { _ in nil }, bufferSize: 1)
    }

    /// Subscriptions to `fields` share executions among connections whose contexts have the same key.
    ///
    /// - Parameters:
    ///   - fields: Root subscription fields whose source is live, such as pub/sub topics.
    ///   - contextKey: The key of what results depend on in a connection's context; equal keys
    ///     share, `nil` never shares.
    ///   - bufferSize: How many results a subscriber may have waiting; by default 1024.
    /// - Returns: The sharing policy.
    public static func sharing(
        fields: Set<String>,
        contextKey: @escaping @Sendable (Context) -> String?,
        bufferSize: Int = 1024
    ) -> Self {
        precondition(bufferSize > 0, "a subscriber's buffer size must be at least 1")
        return Self(fields: fields, contextKey: contextKey, bufferSize: bufferSize)
    }
}
