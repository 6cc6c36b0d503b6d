import SubscriptionsTransportWS

// The adapter tests run on real time over real sockets. A handshake that takes a few seconds on a
// loaded machine or under a sanitizer must not meet the production default of 3 s (10 s on
// graphql-ws) for `connection_init`: the test servers give a minute, and the init wait timeout has a
// test of its own (LimitsOverSocketTests).

extension GraphQLTransportWSServerOptions {
    /// The defaults, with a minute for `connection_init`, then `change`.
    static func forTests(_ change: (inout Self) -> Void = { _ in }) -> Self {
        var options = Self(connectionInitWaitTimeout: .seconds(60))
        change(&options)
        return options
    }
}

extension GraphQLWSServerOptions {
    /// The defaults, with a minute for `connection_init`, then `change`.
    static func forTests(_ change: (inout Self) -> Void = { _ in }) -> Self {
        var options = Self(connectionInitWaitTimeout: .seconds(60))
        change(&options)
        return options
    }
}
