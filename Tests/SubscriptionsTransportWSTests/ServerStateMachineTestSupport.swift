import Testing

@testable import SubscriptionsTransportWS

// Helpers for the synchronous tests of the server state machines: inputs go in, the actions come
// out and are compared exactly. No task, no clock: timers are inputs.

/// The action that sends `json`, byte for byte.
func sent(_ json: String) -> ServerAction {
    .send(Array(json.utf8))
}

/// A text frame from the client.
func text(_ json: String) -> InboundFrame {
    .text(json)
}

/// The frames among `actions`, as text, in order.
func frames(_ actions: [ServerAction]) -> [String] {
    actions.compactMap { action in
        if case .send(let bytes) = action { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

/// The frames among `actions`, parsed, for payloads whose objects have several members (whose
/// order the encoder does not fix).
func parsedFrames(_ actions: [ServerAction]) -> [JSONValue] {
    frames(actions).map { (try? JSONValue.parse($0)) ?? .string("unparsable: \($0)") }
}

/// The operation runs that `actions` start, in order.
func startedRuns(_ actions: [ServerAction]) -> [UInt64] {
    actions.compactMap { action in
        if case .startOperation(_, let run, _) = action { return run }
        return nil
    }
}

extension ServerAction: CustomStringConvertible {
    /// Frames as text, so a failed expectation shows what was sent.
    public var description: String {
        switch self {
        case .send(let bytes): "send(\(String(decoding: bytes, as: UTF8.self)))"
        case .runConnectHook(let payload): "runConnectHook(\(JSONValue.object(payload)))"
        case .startOperation(let id, let run, let request): "startOperation(\(id.jsonValue), run: \(run), \(request))"
        case .cancelOperation(let run): "cancelOperation(run: \(run))"
        case .operationEnded(let id, let end): "operationEnded(\(id.jsonValue), \(end))"
        case .startKeepAlive(let interval): "startKeepAlive(\(interval))"
        case .notifyPing(let payload): "notifyPing(\(payload.map { JSONValue.object($0) } ?? .null))"
        case .notifyPong(let payload): "notifyPong(\(payload.map { JSONValue.object($0) } ?? .null))"
        case .close(let code, let reason): "close(\(code), \"\(reason)\")"
        case .finish: "finish"
        }
    }
}
