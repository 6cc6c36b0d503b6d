import SubscriptionsTransportWS
import SubscriptionsTransportWSTesting
import Testing

/// A small deterministic generator, so a failing script can be replayed from its seed.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("graphql-ws ordering invariant (GW-45)")
struct GraphQLWSOrderingPropertyTests {
    private enum Step: CaseIterable {
        case start, emit, finish, fail, stop
    }

    /// Runs a random script of starts, stops and source events against a model of the protocol:
    /// every frame must be exactly the one the model predicts, in order, so no frame follows an
    /// operation's `complete`/`error`, each run ends at most once, and the ack precedes everything.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func gw45FramesFollowTheModelForRandomScripts(seed: UInt64) async throws {
        var random = SplitMix64(state: seed)
        let executor = TestExecutor<JSONObject>()
        try await withGraphQLWSConnection(executor: executor) { connection in
            try await connection.initialise()
            var live: [String: TestSource] = [:]
            var calls = 0
            var counter = 0
            for _ in 0..<80 {
                let id = ["1", "2", "3"].randomElement(using: &random)!
                let step = Step.allCases.randomElement(using: &random)!
                switch (step, live[id]) {
                case (.start, let previous):
                    await connection.start(#""\#(id)""#)
                    let source = try #require(await executor.call(calls).source)
                    calls += 1
                    if let previous { await previous.waitUntilTerminated() }
                    live[id] = source
                case (.emit, let source?):
                    counter += 1
                    source.emit(["data": ["n": .integer(counter)]])
                    try await connection.expect(#"{"type":"data","id":"\#(id)","payload":{"data":{"n":\#(counter)}}}"#)
                case (.finish, let source?):
                    source.finish()
                    try await connection.expect(#"{"type":"complete","id":"\#(id)"}"#)
                    live[id] = nil
                case (.fail, let source?):
                    source.fail(TestError("failed \(id)"))
                    try await connection.expect(#"{"type":"error","id":"\#(id)","payload":{"message":"failed \#(id)"}}"#)
                    live[id] = nil
                case (.stop, let source):
                    await connection.send(#"{"id":"\#(id)","type":"stop"}"#)
                    if let source {
                        try await connection.expect(#"{"type":"complete","id":"\#(id)"}"#)
                        await source.waitUntilTerminated()
                        source.emit(["data": ["n": -1]])
                        live[id] = nil
                    }
                case (.emit, nil), (.finish, nil), (.fail, nil):
                    continue
                }
            }
            try await connection.expectSilence()
            #expect(connection.sentMessages.first?.text == #"{"type":"connection_ack"}"#)
        }
    }
}
