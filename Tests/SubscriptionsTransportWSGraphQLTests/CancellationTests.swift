import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

/// Cancelling the consuming task must stop the subscription's source. Each test waits for the
/// source's termination signal (or for the consumer to return) rather than for time to pass; the
/// time limit only turns a broken cancellation into a failure instead of a hang.
@Suite("Cancellation", .timeLimit(.minutes(1)))
struct CancellationTests {
    @Test func cancellingTheConsumerTerminatesTheSource() async throws {
        let source = ControlledSource()
        let outcome = try await testExecutor(context: ControlledSource.self)
            .execute(OperationRequest(query: "subscription { controlled }"), context: source)
        let stream = try outcome.resultStream()
        let (received, receivedContinuation) = AsyncStream<JSONValue>.makeStream()
        let consumer = Task {
            for try await result in stream {
                receivedContinuation.yield(try JSONValue.parse(result.encodedJSON))
            }
        }

        source.send(1)
        var receivedIterator = received.makeAsyncIterator()
        #expect(await receivedIterator.next() == dataResult(["controlled": 1]))

        consumer.cancel()
        _ = await consumer.result
        // `stream` is still held here: it is the cancellation, not dropping the stream, that stops
        // the source.
        var terminated = source.terminated.makeAsyncIterator()
        #expect(await terminated.next() != nil)
        withExtendedLifetime(stream) {}
    }

    @Test func cancellingTheConsumerEndsAnEndlessCounter() async throws {
        let outcome = try await exampleExecutor().execute(
            OperationRequest(query: "subscription { counter(n: 1000000000, delayMs: 5) }"),
            context: ""
        )
        let stream = try outcome.resultStream()
        let (received, receivedContinuation) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            var count = 0
            do {
                for try await _ in stream {
                    count += 1
                    receivedContinuation.yield()
                }
            } catch is CancellationError {}
            return count
        }

        var receivedIterator = received.makeAsyncIterator()
        _ = await receivedIterator.next()
        _ = await receivedIterator.next()
        consumer.cancel()
        let count = try await consumer.value
        #expect(count >= 2)
        #expect(count < 1_000_000_000)
    }

    @Test func cancellationBeforeTheFirstEventTerminatesTheSource() async throws {
        let source = ControlledSource()
        let outcome = try await testExecutor(context: ControlledSource.self)
            .execute(OperationRequest(query: "subscription { controlled }"), context: source)
        let stream = try outcome.resultStream()
        let consumer = Task {
            for try await _ in stream {}
        }
        consumer.cancel()
        _ = await consumer.result
        var terminated = source.terminated.makeAsyncIterator()
        #expect(await terminated.next() != nil)
    }
}
