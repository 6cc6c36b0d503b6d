import GraphQL
import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSGraphQL

/// The bounded cache of parsed and validated documents.
@Suite("Document cache")
struct DocumentCacheTests {
    @Test func leastRecentlyUsedEntryIsDroppedFirst() {
        var cache = LeastRecentlyUsed<String, Int>(capacity: 3)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        cache.insert(3, for: "c")
        #expect(cache.value(for: "a") == 1)  // "a" is now the most recently used
        cache.insert(4, for: "d")  // drops "b", the least recently used
        #expect(cache.count == 3)
        #expect(cache.value(for: "b") == nil)
        #expect(cache.value(for: "a") == 1)
        #expect(cache.value(for: "c") == 3)
        #expect(cache.value(for: "d") == 4)
        cache.insert(5, for: "c")  // replaces, no drop
        #expect(cache.count == 3)
        #expect(cache.value(for: "c") == 5)
        cache.insert(6, for: "e")  // drops "a": "c" and "d" were used after it
        #expect(cache.value(for: "a") == nil)
        #expect(cache.value(for: "d") == 4)
    }

    @Test func capacityZeroKeepsNothing() {
        var cache = LeastRecentlyUsed<String, Int>(capacity: 0)
        cache.insert(1, for: "a")
        #expect(cache.count == 0)
        #expect(cache.value(for: "a") == nil)
    }

    @Test func documentsArePreparedOncePerTextAndOperationName() {
        let cache = DocumentCache(capacity: 10)
        var preparations = 0
        let prepare = { (_: DocumentCache.Key) -> DocumentCache.Entry in
            preparations += 1
            return .rejected([GraphQLFormattedError(message: "rejected \(preparations)")])
        }
        for _ in 0..<3 {
            _ = cache.entry(for: .init(query: "{ a }", operationName: nil), prepare: prepare)
        }
        #expect(preparations == 1)
        // Another operation name of the same text is another entry.
        _ = cache.entry(for: .init(query: "{ a }", operationName: "A"), prepare: prepare)
        #expect(preparations == 2)
        #expect(cache.count == 2)
    }

    @Test func executorReusesItsPreparationAndStaysBounded() async throws {
        let executor = try GraphQLSwiftExecutor<JSONObject>(schema: ExampleSchema.make(), documentCacheSize: 2)
        for _ in 0..<3 {
            let outcome = try await executor.execute(OperationRequest(query: "{ hello }"), context: [:])
            guard case .single(let result) = outcome else {
                Issue.record("expected a single result")
                return
            }
            #expect(result.jsonValue == ["data": ["hello": "Hello world"]])
        }
        // Rejected documents are kept too and answered the same way each time.
        for _ in 0..<2 {
            guard case .rejected(let errors) = try await executor.execute(OperationRequest(query: "{ nope }"), context: [:]) else {
                Issue.record("expected a rejection")
                return
            }
            #expect(errors.map(\.message) == [#"Cannot query field "nope" on type "Query"."#])
        }
        for index in 0..<5 {
            _ = try await executor.execute(OperationRequest(query: "{ a\(index): hello }"), context: [:])
        }
        #expect(executor.cachedDocumentCount == 2)
    }
}
