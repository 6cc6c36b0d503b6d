/// What a protocol state machine asks its connection driver to do.
enum ServerAction: Equatable {
    case send([UInt8])
    case runConnectHook(JSONObject)
    case startOperation(id: OperationID, run: UInt64, request: OperationRequest)
    /// End a live run: drop its pending output, send `frame` in its place if given, cancel it, and
    /// report it complete.
    case stopOperation(id: OperationID, run: UInt64, frame: [UInt8]?)
    /// A run that ended by itself was removed from the table: report it complete.
    case operationFinished(id: OperationID, end: OperationEnd)
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

/// The rules of one GraphQL-over-WebSocket protocol for one server connection, without I/O, tasks or
/// clocks: inputs in, ``ServerAction``s out.
///
/// Operation runs are numbered so that a late event from a replaced or stopped run cannot touch its
/// successor.
protocol ServerStateMachine {
    /// Actions for a connection that just opened.
    mutating func opened() -> [ServerAction]
    mutating func received(_ frame: InboundFrame) -> [ServerAction]
    mutating func connectHookFinished(_ outcome: ConnectHookOutcome) -> [ServerAction]
    mutating func operationEnded(id: OperationID, run: UInt64, end: OperationEnd) -> [ServerAction]
    mutating func keepAliveTimerFired() -> [ServerAction]
    mutating func initTimeoutFired() -> [ServerAction]
    /// The host closes the connection (for example a failed operation on `graphql-transport-ws`,
    /// or a shutdown).
    mutating func closeForHost(code: UInt16, reason: String) -> [ServerAction]
    /// An unexpected failure that ends the connection with the protocol's internal-error close;
    /// `message` becomes the reason where the protocol and the options allow.
    mutating func closeForInternalError(_ message: String) -> [ServerAction]
    mutating func transportClosed() -> [ServerAction]
    var isClosed: Bool { get }
    var isAcknowledged: Bool { get }
}

/// The live operations of a connection, shared by both protocols' machines.
struct OperationTable {
    /// Live operations by id; the value keeps the id in the JSON form the client used, for echoing.
    private var operations: [OperationID: (id: OperationID, run: UInt64)] = [:]
    private var lastRun: UInt64 = 0

    var count: Int { operations.count }

    func contains(_ id: OperationID) -> Bool { operations[id] != nil }

    mutating func start(_ id: OperationID, _ request: OperationRequest) -> ServerAction {
        lastRun += 1
        operations[id] = (id, lastRun)
        return .startOperation(id: id, run: lastRun, request: request)
    }

    /// Removes a live operation; `frame` makes the id's last frame.
    mutating func stop(_ id: OperationID, frame: (OperationID) -> [UInt8]?) -> ServerAction? {
        guard let live = operations.removeValue(forKey: id) else { return nil }
        return .stopOperation(id: live.id, run: live.run, frame: frame(live.id))
    }

    mutating func ended(_ id: OperationID, run: UInt64, end: OperationEnd) -> [ServerAction] {
        guard operations[id]?.run == run else { return [] }
        operations[id] = nil
        return [.operationFinished(id: id, end: end)]
    }

    mutating func stopAll() -> [ServerAction] {
        defer { operations = [:] }
        return operations.values.sorted { $0.run < $1.run }.map {
            .stopOperation(id: $0.id, run: $0.run, frame: nil)
        }
    }
}
