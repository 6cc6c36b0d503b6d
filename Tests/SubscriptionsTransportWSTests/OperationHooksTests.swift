import SubscriptionsTransportWSTesting
import Testing

@testable import SubscriptionsTransportWS

/// The per-operation hooks of the `graphql-ws` library's set: `onSubscribe` answers without
/// executing, `onNext` changes or drops results, `onError` changes the errors an operation ends with.
@Suite("Operation hooks: onSubscribe, onNext, onError")
struct OperationHooksTests {
    @Test func onSubscribeAnswersWithoutExecuting() async throws {
        let executor = TestExecutor<JSONObject>()
        var hooks = HookSpy().hooks()
        hooks.onSubscribe = { _, request, _ in
            request.query == "{ cached }" ? .single(ExecutionResult(["data": ["cached": true]])) : nil
        }
        try await withTransportWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.subscribe("1", query: "{ cached }")
            try await connection.expect(#"{"id":"1","type":"next","payload":{"data":{"cached":true}}}"#)
            try await connection.expect(#"{"id":"1","type":"complete"}"#)
            #expect(executor.calls.isEmpty)
            // nil executes as usual.
            await connection.subscribe("2")
            let source = try #require(await executor.call(0).source)
            source.emit(["data": ["t": 1]])
            try await connection.expect(#"{"id":"2","type":"next","payload":{"data":{"t":1}}}"#)
        }
    }

    @Test func onNextChangesOrDropsEachResult() async throws {
        let executor = TestExecutor<JSONObject>()
        var hooks = HookSpy().hooks()
        hooks.onNext = { (id: OperationID, result: ExecutionResult, _: JSONObject) -> ExecutionResult? in
            guard case .object(let payload)? = result.jsonValue, case .object(let data)? = payload["data"],
                case .integer(let value)? = data["t"]
            else { return result }
            if value.isMultiple(of: 2) { return nil }
            let changed: JSONValue = ["data": ["t": .integer(value * 10)], "extensions": ["op": .string(id.key)]]
            return ExecutionResult(changed)
        }
        try await withGraphQLWSConnection(executor: executor, hooks: hooks) { connection in
            try await connection.initialise()
            await connection.start(#""a""#)
            let source = try #require(await executor.call(0).source)
            for value in 1...3 { source.emit(["data": ["t": .integer(value)]]) }
            source.finish()
            try await connection.expect(#"{"id":"a","type":"data","payload":{"data":{"t":10},"extensions":{"op":"a"}}}"#)
            try await connection.expect(#"{"id":"a","type":"data","payload":{"data":{"t":30},"extensions":{"op":"a"}}}"#)
            try await connection.expect(#"{"id":"a","type":"complete"}"#)
        }
    }

    @Test func onErrorChangesTheErrorsAnOperationEndsWith() async throws {
        let executor = TestExecutor<JSONObject>(handler: { _, _, _ in
            .rejected([GraphQLFormattedError(message: "Cannot query field \"secret\" on type \"Query\".")])
        })
        var hooks = HookSpy().hooks()
        hooks.onError = { _, errors, _ in errors.map { _ in GraphQLFormattedError(message: "Invalid operation") } }
        try await withTransportWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.subscribe("1", query: "{ secret }")
            try await connection.expect(#"{"id":"1","type":"error","payload":[{"message":"Invalid operation"}]}"#)
        }
    }
}

@Suite("Persisted documents: an allow-list by SHA-256")
struct PersistedDocumentsTests {
    static let listed = "subscription { counter(n: 3) } é"
    static let listedHash = "e6b788ea3ac0969c8a6185aaa0018b3aad71028942a5564d75b8177271779af7"

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        (listed, listedHash),
    ])
    func sha256MatchesKnownDigests(message: String, digest: String) {
        #expect(SHA256.hexDigest(of: Array(message.utf8)) == digest)
    }

    private func request(query: String, hash: String?) -> OperationRequest {
        var request = OperationRequest(query: query)
        if let hash { request.extensions = ["persistedQuery": ["version": 1, "sha256Hash": .string(hash)]] }
        return request
    }

    private func code(of error: GraphQLRequestError) -> JSONValue? {
        error.errors.first?.extensions?["code"]
    }

    @Test func aListedHashRunsItsDocumentWithOrWithoutTheQuery() throws {
        let documents = PersistedDocuments(documents: [Self.listed])
        #expect(try documents.resolve(request(query: "", hash: Self.listedHash)).query == Self.listed)
        #expect(try documents.resolve(request(query: Self.listed, hash: Self.listedHash.uppercased())).query == Self.listed)
        #expect(try documents.resolve(request(query: Self.listed, hash: nil)).query == Self.listed)
    }

    @Test func othersGetTheErrorsApollosClientsUnderstand() {
        let documents = PersistedDocuments(documents: [Self.listed])
        do {
            _ = try documents.resolve(request(query: "", hash: String(repeating: "0", count: 64)))
            Issue.record("an unknown hash ran")
        } catch {
            #expect(error.errors.first?.message == "PersistedQueryNotFound")
            #expect(code(of: error) == "PERSISTED_QUERY_NOT_FOUND")
        }
        do {
            _ = try documents.resolve(request(query: "{ everything }", hash: nil))
            Issue.record("an unlisted document ran")
        } catch {
            #expect(error.errors.first?.message == "PersistedQueryNotInList")
            #expect(code(of: error) == "PERSISTED_QUERY_NOT_IN_LIST")
        }
        do {
            _ = try documents.resolve(request(query: "{ everything }", hash: Self.listedHash))
            Issue.record("a document ran under another document's hash")
        } catch {
            #expect(error.errors.first?.message == "provided sha does not match query")
            #expect(code(of: error) == "BAD_REQUEST")
        }
    }

    @Test func asTheOnOperationHookUnlistedOperationsGetErrorsOnBothProtocols() async throws {
        let documents = PersistedDocuments(documents: [Self.listed])
        let executor = TestExecutor<JSONObject>()
        let hooks = HookSpy().hooks(onOperation: { _, request, _ in try documents.resolve(request) })
        try await withTransportWSConnection(executor: executor, hooks: hooks) { connection in
            await connection.send(#"{"type":"connection_init"}"#)
            try await connection.expect(#"{"type":"connection_ack"}"#)
            await connection.subscribe("1", query: "{ everything }")
            try await connection.expect(
                #"{"id":"1","type":"error","payload":[{"message":"PersistedQueryNotInList","extensions":{"code":"PERSISTED_QUERY_NOT_IN_LIST"}}]}"#
            )
            let hashOnly =
                #"{"id":"2","type":"subscribe","payload":{"query":"","extensions":{"persistedQuery":{"version":1,"sha256Hash":"\#(Self.listedHash)"}}}}"#
            await connection.send(hashOnly)
            #expect(await executor.call(0).request.query == Self.listed)
        }
        try await withGraphQLWSConnection(executor: TestExecutor(), hooks: hooks) { connection in
            try await connection.initialise()
            await connection.start(#""1""#, query: "{ everything }")
            // A failure before execution is an `error` with the message on graphql-ws (D13).
            try await connection.expect(#"{"id":"1","type":"error","payload":{"message":"PersistedQueryNotInList"}}"#)
        }
    }
}
