import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSVapor

/// The buffering policy between websocket-kit's callbacks and the connection, without sockets.
@Suite("Inbound buffer")
struct InboundBufferTests {
    /// Every event the buffer holds, after finishing it.
    private static func drain(_ buffer: InboundBuffer) async -> [InboundBuffer.Event] {
        buffer.finish()
        var events: [InboundBuffer.Event] = []
        for await event in buffer.events { events.append(event) }
        return events
    }

    @Test func messagesPassInArrivalOrder() async {
        let buffer = InboundBuffer(maxMessageBytes: 100, budget: 1000)
        let frames: [InboundFrame] = (0..<50).map { .text("message \($0)") } + [.binary([1, 2, 3])]
        for frame in frames { buffer.append(frame) }
        #expect(await Self.drain(buffer) == frames.map { .frame($0) })
    }

    @Test func messageOverTheProtocolsLimitClosesWithMessageTooBigAndEndsIntake() async {
        let buffer = InboundBuffer(maxMessageBytes: 10, budget: 1000)
        buffer.append(.text("first"))
        buffer.append(.text(String(repeating: "x", count: 11)))
        buffer.append(.text("after"))
        #expect(
            await Self.drain(buffer) == [
                .frame(.text("first")),
                .close(code: 1009, reason: "Message too big"),
            ]
        )
    }

    @Test func messageBeyondTheBudgetWhileOthersWaitClosesWithPolicyViolation() async {
        let buffer = InboundBuffer(maxMessageBytes: 100, budget: 10)
        buffer.append(.text("123456"))
        buffer.append(.text("7890"))
        buffer.append(.text("x"))
        buffer.append(.text("after"))
        #expect(
            await Self.drain(buffer) == [
                .frame(.text("123456")),
                .frame(.text("7890")),
                .close(code: 1008, reason: "Too many messages waiting"),
            ]
        )
    }

    @Test func budgetIsGivenBackAsTheConnectionTakesMessages() async {
        let buffer = InboundBuffer(maxMessageBytes: 100, budget: 10)
        for number in 0..<100 {
            let frame = InboundFrame.text("message \(number)")
            buffer.append(frame)
            buffer.handedOn(frame)
        }
        let events = await Self.drain(buffer)
        #expect(events.count == 100)
        #expect(!events.contains { if case .close = $0 { true } else { false } })
    }

    @Test func oneMessageAlwaysFitsAnEmptyBuffer() async {
        // Over the budget but within the protocol's limit: a client that waits for answers is served.
        let buffer = InboundBuffer(maxMessageBytes: 100, budget: 10)
        let large = InboundFrame.text(String(repeating: "x", count: 50))
        buffer.append(large)
        #expect(await Self.drain(buffer) == [.frame(large)])
    }
}
