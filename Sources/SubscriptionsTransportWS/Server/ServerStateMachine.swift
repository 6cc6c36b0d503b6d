/// What a protocol state machine asks its connection driver to do.
enum ServerAction: Equatable {
    /// Queue a frame for the client.
    case send([UInt8])
    case runConnectHook(JSONObject)
    /// Start running an operation; what it produces comes back through
    /// ``ServerStateMachine/operation(run:produced:)``.
    case startOperation(id: OperationID, run: UInt64, request: OperationRequest)
    /// Cancel an operation's run: it produces nothing more that reaches the client.
    case cancelOperation(run: UInt64)
    /// An operation is over: report its end once.
    case operationEnded(id: OperationID, end: OperationEnd)
    /// Start the periodic timer whose ticks are ``ServerStateMachine/keepAliveTimerFired()``.
    case startKeepAlive(Duration)
    case notifyPing(JSONObject?)
    case notifyPong(JSONObject?)
    /// Send a close frame and end the connection.
    case close(code: UInt16, reason: String)
    /// End the connection; the transport is gone, so nothing is sent.
    case finish
}

/// How a connect hook ended.
enum ConnectHookOutcome: Equatable {
    case accepted(acknowledgementPayload: JSONObject?)
    case rejected(message: String)
    case failed(message: String)
}

/// What an operation's run produced, as the driver reports it to the machine, which decides what
/// the client sees of it.
enum OperationOutput: Equatable {
    /// One result (of a stream, or the single result of a query).
    case result(ExecutionResult)
    /// The results ended normally.
    case completed
    /// The executor rejected the request before running it (for example validation errors).
    case rejected([GraphQLFormattedError])
    /// The request failed with GraphQL errors before running (`GraphQLRequestError`, a syntax error).
    case requestFailed([GraphQLFormattedError])
    /// The executor or the `onOperation` hook threw an unexpected error before any result.
    case executionFailed(message: String)
    /// The stream of results failed after it started.
    case streamFailed([GraphQLFormattedError])
}

/// The rules of one GraphQL-over-WebSocket protocol for one server connection, without I/O, tasks or
/// clocks: inputs in, ``ServerAction``s out. Each machine owns its protocol's whole wire behaviour:
/// which frames answer which inputs, how results, errors and completions of operations are framed,
/// and which failures close the connection.
///
/// Operation runs are numbered so that a late output of a replaced or stopped run cannot touch its
/// successor: a run is live from its start until its end, and only a live run's output reaches the
/// client.
protocol ServerStateMachine {
    /// Actions for a connection that just opened.
    mutating func opened() -> [ServerAction]
    mutating func received(_ frame: InboundFrame) -> [ServerAction]
    mutating func connectHookFinished(_ outcome: ConnectHookOutcome) -> [ServerAction]
    /// What an operation run produced; ignored once the run is no longer live.
    mutating func operation(run: UInt64, produced output: OperationOutput) -> [ServerAction]
    /// The frame for one result of a live run (the hot path of ``operation(run:produced:)``), or
    /// `nil` when the run is no longer live.
    func resultFrame(run: UInt64, _ result: ExecutionResult) -> [UInt8]?
    mutating func keepAliveTimerFired() -> [ServerAction]
    mutating func initTimeoutFired() -> [ServerAction]
    /// The host closes the connection (a shutdown, an oversized message, a protocol violation at the
    /// WebSocket level).
    mutating func closeForHost(code: UInt16, reason: String) -> [ServerAction]
    mutating func transportClosed() -> [ServerAction]
    var isClosed: Bool { get }
    var isAcknowledged: Bool { get }
    /// Whether the init timeout still matters: no `connection_init` has arrived yet.
    var awaitsInit: Bool { get }
}

/// The live operations of a connection, shared by both protocols' machines.
struct OperationTable {
    /// A live run: its id in the JSON form the client used (for echoing), and that id's JSON text
    /// for its result frames.
    private struct LiveRun {
        let id: OperationID
        let encodedID: String
    }

    /// Live runs by id.
    private var runs: [OperationID: UInt64] = [:]
    private var live: [UInt64: LiveRun] = [:]
    private var lastRun: UInt64 = 0
    /// The protocol's type of result frames (`next`, `data`).
    let resultType: StaticString

    init(resultType: StaticString) {
        self.resultType = resultType
    }

    var count: Int { runs.count }

    func contains(_ id: OperationID) -> Bool { runs[id] != nil }

    /// The frame of one result of a live run, or `nil` when the run is not live.
    func resultFrame(run: UInt64, _ result: ExecutionResult) -> [UInt8]? {
        live[run].map { FrameEncoding.resultFrame(type: resultType, encodedID: $0.encodedID, payload: result.encodedJSON) }
    }

    mutating func start(_ id: OperationID, _ request: OperationRequest) -> ServerAction {
        lastRun += 1
        runs[id] = lastRun
        live[lastRun] = LiveRun(id: id, encodedID: FrameEncoding.encodedID(id))
        return .startOperation(id: id, run: lastRun, request: request)
    }

    /// Removes a live run that ended by itself.
    ///
    /// - Returns: Its id, or `nil` if it was not live.
    mutating func end(run: UInt64) -> OperationID? {
        guard let id = live.removeValue(forKey: run)?.id else { return nil }
        runs[id] = nil
        return id
    }

    /// Stops a live operation: cancels it and reports it stopped, with `frame` (if any) as its last
    /// frame.
    ///
    /// - Returns: The actions, or `nil` if no operation with the id is live.
    mutating func stop(_ id: OperationID, frame: (OperationID) -> [UInt8]?) -> [ServerAction]? {
        guard let run = runs[id], let liveID = end(run: run) else { return nil }
        var actions: [ServerAction] = [.cancelOperation(run: run)]
        if let frame = frame(liveID) { actions.append(.send(frame)) }
        actions.append(.operationEnded(id: liveID, end: .stopped))
        return actions
    }

    /// Stops every live operation, without frames (the connection is closing).
    mutating func stopAll() -> [ServerAction] {
        var actions: [ServerAction] = []
        for run in live.keys.sorted() {
            if let id = end(run: run) {
                actions += [.cancelOperation(run: run), .operationEnded(id: id, end: .stopped)]
            }
        }
        return actions
    }
}

extension OperationOutput {
    /// The errors to report for a rejection, never empty: an executor that rejects without errors
    /// still rejects.
    static func nonEmpty(_ errors: [GraphQLFormattedError]) -> [GraphQLFormattedError] {
        errors.isEmpty ? [GraphQLFormattedError(message: "Invalid request")] : errors
    }
}
