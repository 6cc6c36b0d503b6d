import SubscriptionsPubSub
import TestSupport
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func text(_ event: PubSubEvent) -> String { String(decoding: event.payload, as: UTF8.self) }

/// Collects `count` events from a subscription.
private func collect(_ subscription: PubSubSubscription, count: Int) async throws -> [PubSubEvent] {
    var events: [PubSubEvent] = []
    for try await event in subscription {
        events.append(event)
        if events.count == count { break }
    }
    return events
}

@Suite("In-memory engine")
struct InMemoryPubSubTests {
    @Test("events of one topic arrive in publication order with increasing sequences")
    func ordering() async throws {
        let pubsub = InMemoryPubSub()
        let subscription = try await pubsub.subscribe(topic: "t")
        let consumer = Task { try await collect(subscription, count: 500) }
        for index in 0..<500 {
            pubsub.publish(topic: "t", payload: bytes("\(index)"))
        }
        let events = try await withTimeout { try await consumer.value }
        #expect(events.map(text) == (0..<500).map { "\($0)" })
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
    }

    @Test("a subscriber receives only its topic")
    func topicsAreSeparate() async throws {
        let pubsub = InMemoryPubSub()
        let a = try await pubsub.subscribe(topic: "a")
        pubsub.publish(topic: "b", payload: bytes("b1"))
        pubsub.publish(topic: "a", payload: bytes("a1"))
        let events = try await withTimeout { try await collect(a, count: 1) }
        #expect(events.map(text) == ["a1"])
    }

    @Test("a subscription sees only events published after it was made")
    func lateSubscriberStartsNow() async throws {
        let pubsub = InMemoryPubSub()
        pubsub.publish(topic: "t", payload: bytes("before"))
        let subscription = try await pubsub.subscribe(topic: "t")
        pubsub.publish(topic: "t", payload: bytes("after"))
        let events = try await withTimeout { try await collect(subscription, count: 1) }
        #expect(events.map(text) == ["after"])
    }

    @Test("fan-out reaches every subscriber and shares one payload storage")
    func fanOutSharesPayload() async throws {
        let pubsub = InMemoryPubSub()
        let subscriptions = (0..<50).map { _ in pubsub.subscribe(topic: "t", bufferSize: nil) }
        let payload = [UInt8](repeating: 7, count: 64 * 1024)
        pubsub.publish(topic: "t", payload: payload)
        let origin = payload.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        for subscription in subscriptions {
            let event = try #require(try await withTimeout { try await collect(subscription, count: 1) }.first)
            #expect(event.payload == payload)
            // Same storage address: the array was retained, not copied, for this subscriber.
            #expect(event.payload.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == origin)
        }
    }

    @Test("concurrent publishers: all subscribers see one order that keeps each publisher's order")
    func concurrentPublishers() async throws {
        let pubsub = InMemoryPubSub()
        let first = try await pubsub.subscribe(topic: "t")
        let second = try await pubsub.subscribe(topic: "t")
        let consumers = [first, second].map { subscription in
            Task { try await collect(subscription, count: 4 * 200) }
        }
        await withTaskGroup(of: Void.self) { group in
            for publisher in 0..<4 {
                group.addTask {
                    for index in 0..<200 {
                        pubsub.publish(topic: "t", payload: bytes("\(publisher)-\(index)"))
                    }
                }
            }
        }
        let seenByFirst = try await withTimeout { try await consumers[0].value }.map(text)
        let seenBySecond = try await withTimeout { try await consumers[1].value }.map(text)
        #expect(seenByFirst == seenBySecond)
        for publisher in 0..<4 {
            let own = seenByFirst.filter { $0.hasPrefix("\(publisher)-") }
            #expect(own == (0..<200).map { "\(publisher)-\($0)" })
        }
    }

    @Test("a 1 MiB payload arrives intact")
    func largePayload() async throws {
        let pubsub = InMemoryPubSub()
        let subscription = try await pubsub.subscribe(topic: "big")
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        pubsub.publish(topic: "big", payload: payload)
        let events = try await withTimeout { try await collect(subscription, count: 1) }
        #expect(events.first?.payload == payload)
    }

    @Test("overflow: the buffered events arrive, then subscriberTooSlow; the publisher never waits")
    func overflowEndsWithError() async throws {
        let pubsub = InMemoryPubSub()
        let subscription = pubsub.subscribe(topic: "t", bufferSize: 4)
        #expect(subscription.bufferSize == 4)
        // No consumer runs yet, so the fifth event finds the buffer full.
        for index in 0..<10 {
            pubsub.publish(topic: "t", payload: bytes("\(index)"))
        }
        #expect(pubsub.subscriptionCount == 0)

        var received: [String] = []
        var iterator = subscription.makeAsyncIterator()
        let error = await #expect(throws: PubSubError.self) {
            while let event = try await iterator.next() {
                received.append(text(event))
            }
        }
        #expect(error?.code == .subscriberTooSlow)
        #expect(received == ["0", "1", "2", "3"])
        // The error is reported once; afterwards the sequence has ended.
        #expect(try await iterator.next() == nil)
    }

    @Test("the default buffer size applies when a subscription names none")
    func defaultBufferSize() async throws {
        let pubsub = InMemoryPubSub(defaultBufferSize: 2)
        let subscription = try await pubsub.subscribe(topic: "t")
        #expect(subscription.bufferSize == 2)
        #expect(try await InMemoryPubSub().subscribe(topic: "t").bufferSize == 1024)
    }

    @Test("cancelling the consuming task unsubscribes and ends the sequence")
    func cancellationUnsubscribes() async throws {
        let pubsub = InMemoryPubSub()
        let subscription = try await pubsub.subscribe(topic: "t")
        let consumer = Task { () throws -> Int in
            var count = 0
            for try await _ in subscription { count += 1 }
            return count
        }
        pubsub.publish(topic: "t", payload: bytes("one"))
        consumer.cancel()
        let delivered = try await withTimeout { try await consumer.value }
        #expect(delivered <= 1)
        #expect(pubsub.subscriptionCount == 0)
        // Publishing after the consumer left finds no one and does not fail.
        pubsub.publish(topic: "t", payload: bytes("two"))
    }

    @Test("leaving a for-await loop with break unsubscribes once the subscription is dropped")
    func breakUnsubscribes() async throws {
        let pubsub = InMemoryPubSub()
        @Sendable func consumeOne() async throws -> String? {
            let subscription = try await pubsub.subscribe(topic: "t")
            pubsub.publish(topic: "t", payload: bytes("x"))
            for try await event in subscription {
                return text(event)
            }
            return nil
        }
        #expect(try await withTimeout { try await consumeOne() } == "x")
        #expect(pubsub.subscriptionCount == 0)
    }

    @Test("a subscription never iterated is forgotten when dropped")
    func droppedSubscriptionUnsubscribes() {
        let pubsub = InMemoryPubSub()
        do {
            let subscription = pubsub.subscribe(topic: "t", bufferSize: nil)
            #expect(pubsub.subscriptionCount == 1)
            _ = subscription
        }
        #expect(pubsub.subscriptionCount == 0)
    }

    @Test("cancel() ends a waiting consumer")
    func explicitCancel() async throws {
        let pubsub = InMemoryPubSub()
        let subscription = try await pubsub.subscribe(topic: "t")
        let consumer = Task { try await collect(subscription, count: 1) }
        subscription.cancel()
        #expect(try await withTimeout { try await consumer.value }.isEmpty)
        #expect(pubsub.subscriptionCount == 0)
    }
}

@Suite("Fan-out")
struct PubSubFanOutTests {
    @Test("finish(topic:error:) delivers the buffered events, then the error, to that topic only")
    func finishTopicWithError() async throws {
        let fanOut = PubSubFanOut()
        let a = fanOut.subscribe(topic: "a")
        let b = fanOut.subscribe(topic: "b")
        fanOut.deliver(PubSubEvent(topic: "a", payload: bytes("a1"), sequence: 1))
        let expired = PubSubError(code: .eventsExpired, message: "test")
        fanOut.finish(topic: "a", error: expired)
        #expect(fanOut.subscribedTopics == ["b"])

        var iterator = a.makeAsyncIterator()
        #expect(try await iterator.next().map(text) == "a1")
        await #expect(throws: expired) { try await iterator.next() }
        _ = b
    }

    @Test("finishAll(error: nil) ends every subscription normally")
    func finishAllNormally() async throws {
        let fanOut = PubSubFanOut()
        let subscriptions = ["a", "b", "b"].map { fanOut.subscribe(topic: $0) }
        let consumers = subscriptions.map { subscription in
            Task { try await collect(subscription, count: 10).count }
        }
        fanOut.finishAll(error: nil)
        for consumer in consumers {
            #expect(try await withTimeout { try await consumer.value } == 0)
        }
        #expect(fanOut.subscriptionCount == 0)
        #expect(!fanOut.hasSubscribers(topic: "a"))
    }

    @Test("works through the PubSub protocol as an existential")
    func existential() async throws {
        let pubsub: any PubSub = InMemoryPubSub()
        let subscription = try await pubsub.subscribe(topic: "chat")
        let sequence = try await pubsub.publish(topic: "chat", payload: bytes(#"{"text":"hi"}"#))
        let event = try #require(try await withTimeout { try await collect(subscription, count: 1) }.first)
        #expect(event == PubSubEvent(topic: "chat", payload: bytes(#"{"text":"hi"}"#), sequence: sequence))
    }
}
