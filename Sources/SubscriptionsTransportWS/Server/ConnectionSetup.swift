/// What a connection of one protocol is made of: its machine, which holds the protocol's whole wire
/// behaviour, and the two settings the driver applies for it. Each protocol makes its own, so the
/// driver (``ServerConnection``) never asks which protocol it runs.
struct ConnectionSetup {
    /// The protocol's state machine, in its initial state.
    var machine: any ServerStateMachine
    /// Bytes of outbound frames that may wait for the transport before operations pause.
    var outboundBudget: Int
    /// How long the client may take to send `connection_init`; `nil` when none is awaited.
    var initWaitTimeout: Duration?
    /// How long operations may wait for room while the client takes nothing before it is closed;
    /// `nil` never closes it.
    var slowClientTimeout: Duration?
}

extension GraphQLWebSocketServer {
    /// The setup of a connection speaking `subprotocol`: the one place that maps a protocol to its
    /// machine and options.
    func connectionSetup(speaking subprotocol: WebSocketSubprotocol, negotiatedOtherProtocol: Bool) -> ConnectionSetup {
        subprotocol == .graphQLTransportWS
            ? GraphQLTransportWSServerStateMachine.setup(
                options: graphQLTransportWSOptions,
                hooks: hooks,
                negotiatedOtherProtocol: negotiatedOtherProtocol
            )
            : GraphQLWSServerStateMachine.setup(options: graphQLWSOptions, hooks: hooks, negotiatedOtherProtocol: negotiatedOtherProtocol)
    }
}

extension GraphQLTransportWSServerStateMachine {
    static func setup<Context>(
        options: GraphQLTransportWSServerOptions,
        hooks: ServerHooks<Context>,
        negotiatedOtherProtocol: Bool
    ) -> ConnectionSetup {
        ConnectionSetup(
            machine: GraphQLTransportWSServerStateMachine(
                options: options,
                pingHooks: (hooks.onPing != nil, hooks.onPong != nil),
                negotiatedOtherProtocol: negotiatedOtherProtocol
            ),
            outboundBudget: options.outboundBufferBytes,
            initWaitTimeout: options.connectionInitWaitTimeout,
            slowClientTimeout: options.slowClientTimeout
        )
    }
}

extension GraphQLWSServerStateMachine {
    static func setup<Context>(
        options: GraphQLWSServerOptions,
        hooks: ServerHooks<Context>,
        negotiatedOtherProtocol: Bool
    ) -> ConnectionSetup {
        // Apollo's protocol may run operations without `connection_init` (when the application
        // gives them a context); then no init is awaited.
        let withoutInit = options.allowOperationsWithoutInit && hooks.contextWithoutInit != nil
        return ConnectionSetup(
            machine: GraphQLWSServerStateMachine(
                options: options,
                operationsWithoutInitAllowed: withoutInit,
                negotiatedOtherProtocol: negotiatedOtherProtocol
            ),
            outboundBudget: options.outboundBufferBytes,
            initWaitTimeout: withoutInit ? nil : options.connectionInitWaitTimeout,
            slowClientTimeout: options.slowClientTimeout
        )
    }
}
