@testable import SubscriptionsTransportWS

/// The `graphql-ws` machine under a program read from `input`: its first two bytes choose the
/// options, the rest is a sequence of inputs (client frames, connect hook decisions, operation
/// outputs, clock advances, closes). Traps when an invariant of GW-45/GW-46 breaks.
///
/// - Parameter input: The fuzz input.
public func fuzzGraphQLWSMachine(_ input: UnsafeBufferPointer<UInt8>) {
    var reader = ByteReader(input)
    var harness = graphQLWSHarness(options: reader.byte(), more: reader.byte())
    harness.run(&reader)
}

/// The `graphql-transport-ws` machine under a program read from `input` (as
/// ``fuzzGraphQLWSMachine(_:)``). Traps when an invariant breaks.
///
/// - Parameter input: The fuzz input.
public func fuzzGraphQLTransportWSMachine(_ input: UnsafeBufferPointer<UInt8>) {
    var reader = ByteReader(input)
    var harness = graphQLTransportWSHarness(options: reader.byte(), more: reader.byte())
    harness.run(&reader)
}

/// The `graphql-ws` decoder and the JSON parser on `input` as one inbound message. Traps when the
/// JSON does not survive encoding and parsing again, when a decoded id is empty, when the same
/// message as a text frame and as a binary frame is answered differently, or when the answer
/// breaks an invariant of ``fuzzGraphQLWSMachine(_:)``.
///
/// - Parameter input: The fuzz input.
public func fuzzGraphQLWSDecoder(_ input: UnsafeBufferPointer<UInt8>) {
    checkJSONRoundTrip(input)
    switch GraphQLWSClientMessage.decode(input) {
    case .start(let id, _), .invalidStart(let id?, _), .unknownType(let id?):
        if id.key.isEmpty { violation("empty operation id decoded from \(Array(input))") }
    default:
        break
    }
    checkTextAndBinaryAgree(input, rules: .graphQLWS) { graphQLWSHarness(options: 0x01, more: 1) }
}

/// The `graphql-transport-ws` decoder and the JSON parser on `input` as one inbound message (as
/// ``fuzzGraphQLWSDecoder(_:)``).
///
/// - Parameter input: The fuzz input.
public func fuzzGraphQLTransportWSDecoder(_ input: UnsafeBufferPointer<UInt8>) {
    checkJSONRoundTrip(input)
    switch GraphQLTransportWSClientMessage.decode(input) {
    case .subscribe(let id, _), .complete(let id):
        guard case .string(let string) = id.jsonValue, !string.isEmpty else {
            violation("operation id \(id.jsonValue) is not a non-empty string, from \(Array(input))")
        }
    default:
        break
    }
    checkTextAndBinaryAgree(input, rules: .graphQLTransportWS) { graphQLTransportWSHarness(options: 0, more: 1) }
}

/// `options` bits: keep-alive, an operation limit of 2, closing on a second init, rejecting binary
/// frames, operations without init, a backlog of 3 while connecting, hidden internal errors, a
/// 64-byte message limit. `more` chooses a mismatched subprotocol (1 in 32).
private func graphQLWSHarness(options bits: UInt8, more: UInt8) -> MachineHarness {
    func bit(_ index: UInt8) -> Bool { bits >> index & 1 == 1 }
    let options = GraphQLWSServerOptions(
        keepAlive: bit(0) ? .every(.seconds(10)) : .disabled,
        connectionInitWaitTimeout: .seconds(10),
        maxLiveOperations: bit(1) ? 2 : 100,
        allowOperationsWithoutInit: bit(4),
        repeatedConnectionInit: bit(2) ? .close : .reacknowledge,
        binaryFrames: bit(3) ? .reject : .decodeAsText,
        maxInboundMessageBytes: bit(7) ? 64 : 1 << 20,
        maxMessagesWhileConnecting: bit(5) ? 3 : 200,
        exposesInternalErrorMessages: !bit(6)
    )
    let hooks = ServerHooks<JSONObject>(
        onConnect: { @Sendable _ in throw CancellationError() },
        contextWithoutInit: more & 2 == 0 ? { @Sendable in [:] } : nil
    )
    let setup = GraphQLWSServerStateMachine.setup(options: options, hooks: hooks, negotiatedOtherProtocol: more % 32 == 0)
    let withoutInit = options.allowOperationsWithoutInit && hooks.contextWithoutInit != nil
    return MachineHarness(setup: setup, rules: .graphQLWS, operationsNeedAck: !withoutInit)
}

/// `options` bits: an operation limit of 2, pings every 5 s, rejecting binary frames, hidden internal
/// errors, a 64-byte message limit, an `onPing` hook, an `onPong` hook, no init timeout. `more`
/// chooses a mismatched subprotocol (1 in 32).
private func graphQLTransportWSHarness(options bits: UInt8, more: UInt8) -> MachineHarness {
    func bit(_ index: UInt8) -> Bool { bits >> index & 1 == 1 }
    let options = GraphQLTransportWSServerOptions(
        connectionInitWaitTimeout: bit(7) ? nil : .seconds(3),
        maxLiveOperations: bit(0) ? 2 : 100,
        pingInterval: bit(1) ? .seconds(5) : nil,
        acceptsBinaryFrames: !bit(2),
        exposesInternalErrorMessages: !bit(3),
        maxInboundMessageBytes: bit(4) ? 64 : 1 << 20
    )
    let hooks = ServerHooks<JSONObject>(
        onConnect: { @Sendable _ in throw CancellationError() },
        onPing: bit(5) ? { @Sendable _ in } : nil,
        onPong: bit(6) ? { @Sendable _ in } : nil
    )
    let setup = GraphQLTransportWSServerStateMachine.setup(options: options, hooks: hooks, negotiatedOtherProtocol: more % 32 == 0)
    return MachineHarness(setup: setup, rules: .graphQLTransportWS, operationsNeedAck: true)
}

/// A parsed JSON value encodes to text that parses to the same value.
private func checkJSONRoundTrip(_ input: UnsafeBufferPointer<UInt8>) {
    guard let value = try? JSONValue.parse(input) else { return }
    let encoded = value.encoded
    guard let again = try? JSONValue.parse(encoded) else {
        violation("\(value) encodes to \(String(decoding: encoded, as: UTF8.self)), which does not parse")
    }
    if again != value { violation("\(value) encodes to \(String(decoding: encoded, as: UTF8.self)), which parses to \(again)") }
}

/// On two acknowledged connections with a live operation `"1"`, `input` as a text frame and as a
/// binary frame get the same answer (binary frames are decoded as UTF-8 text); invalid UTF-8 in a
/// binary frame is invalid input, never a crash.
private func checkTextAndBinaryAgree(
    _ input: UnsafeBufferPointer<UInt8>,
    rules: ProtocolRules,
    _ makeHarness: () -> MachineHarness
) {
    func acknowledged() -> MachineHarness {
        var harness = makeHarness()
        harness.receive(.text(#"{"type":"connection_init"}"#), "init")
        harness.acceptPendingConnectHook()
        let start =
            rules.resultType == "data"
            ? #"{"id":"1","type":"start","payload":{"query":"subscription{t}"}}"#
            : #"{"id":"1","type":"subscribe","payload":{"query":"subscription{t}"}}"#
        harness.receive(.text(start), "start 1")
        return harness
    }
    let bytes = Array(input)
    var binary = acknowledged()
    let binaryActions = binary.receive(.binary(bytes), "binary \(bytes)")
    if let text = String(validating: bytes, as: UTF8.self) {
        var textual = acknowledged()
        let textActions = textual.receive(.text(text), "text \(bytes)")
        if textActions != binaryActions {
            violation("\(bytes) as text gives \(textActions), as binary \(binaryActions)")
        }
    } else if binaryActions.isEmpty {
        violation("invalid UTF-8 \(bytes) in a binary frame was ignored")
    }
}
