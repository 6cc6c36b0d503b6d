import Synchronization

/// The outbound path of one connection: frames wait here until the transport takes them.
///
/// A transport calls ``nextBatch()`` in a loop, writes every message of the batch and flushes once,
/// so a fast producer costs one wake-up per batch rather than one per frame. Operation output pauses
/// while more than the configured number of bytes are waiting (back-pressure); control frames never
/// wait. Output of an operation that was stopped is dropped atomically with its stop, so no frame of
/// a run can follow its terminal frame. After a close nothing more is accepted.
public final class OutboundQueue: Sendable {
    private typealias Consumer = CheckedContinuation<[OutboundMessage]?, Never>

    /// A batch handed straight to a consumer that was waiting on an empty queue.
    private struct Handoff {
        let consumer: Consumer
        let batch: [OutboundMessage]

        func resume() { consumer.resume(returning: batch) }
    }

    private struct State {
        var messages: [OutboundMessage] = []
        var bufferedBytes = 0
        /// No more messages are accepted.
        var closed = false
        var liveRuns: Set<UInt64> = []
        var consumer: Consumer?
        var producers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextProducer: UInt64 = 0

        mutating func enqueue(_ message: OutboundMessage) -> Handoff? {
            if let consumer {
                self.consumer = nil
                return Handoff(consumer: consumer, batch: [message])
            }
            messages.append(message)
            if case .text(let bytes) = message { bufferedBytes += bytes.count }
            return nil
        }

        mutating func releaseProducers() -> [CheckedContinuation<Void, Never>] {
            guard !producers.isEmpty else { return [] }
            defer { producers = [:] }
            return Array(producers.values)
        }
    }

    private let state = Mutex(State())
    private let budget: Int
    /// Told of every batch the transport takes.
    private let onBatch: (@Sendable ([OutboundMessage]) -> Void)?

    init(budget: Int, onBatch: (@Sendable ([OutboundMessage]) -> Void)? = nil) {
        self.budget = budget
        self.onBatch = onBatch
    }

    /// Waits for messages and returns all that are ready, in order.
    ///
    /// - Returns: A non-empty batch, or `nil` once the connection's last message was taken, the
    ///   transport is gone, or the calling task is cancelled.
    public func nextBatch() async -> [OutboundMessage]? {
        let batch = await waitForBatch()
        if let onBatch, let batch { onBatch(batch) }
        return batch
    }

    private func waitForBatch() async -> [OutboundMessage]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Consumer) in
                let (ready, released) = state.withLock { state -> ([OutboundMessage]??, [CheckedContinuation<Void, Never>]) in
                    if !state.messages.isEmpty {
                        let batch = state.messages
                        state.messages = []
                        state.bufferedBytes = 0
                        return (.some(batch), state.releaseProducers())
                    }
                    if state.closed || Task.isCancelled { return (.some(nil), []) }
                    state.consumer = continuation
                    return (.none, [])
                }
                for continuation in released { continuation.resume() }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.consumer.take() }?.resume(returning: nil)
        }
    }

    /// Queues a control frame (not part of an operation's output).
    ///
    /// - Returns: `false` if the connection no longer sends.
    @discardableResult
    func send(_ frame: [UInt8]) -> Bool {
        let (accepted, handoff) = state.withLock { state -> (Bool, Handoff?) in
            guard !state.closed else { return (false, nil) }
            return (true, state.enqueue(.text(frame)))
        }
        handoff?.resume()
        return accepted
    }

    /// Queues a close frame; nothing is accepted after it.
    func close(code: UInt16, reason: String) {
        let (handoff, released) = state.withLock { state -> (Handoff?, [CheckedContinuation<Void, Never>]) in
            guard !state.closed else { return (nil, []) }
            state.closed = true
            state.liveRuns = []
            return (state.enqueue(.close(code: code, reason: reason)), state.releaseProducers())
        }
        handoff?.resume()
        for continuation in released { continuation.resume() }
    }

    /// The transport is gone: drop what waits and accept nothing more.
    func abandon() {
        let (consumer, released) = state.withLock { state in
            state.closed = true
            state.messages = []
            state.bufferedBytes = 0
            state.liveRuns = []
            return (state.consumer.take(), state.releaseProducers())
        }
        consumer?.resume(returning: nil)
        for continuation in released { continuation.resume() }
    }

    /// Starts accepting output for an operation run.
    func beginRun(_ run: UInt64) {
        state.withLock { state in
            if !state.closed { state.liveRuns.insert(run) }
        }
    }

    /// Queues one frame of a run's output, waiting while the buffer is over budget.
    ///
    /// - Returns: `false` if the run was stopped or the connection closed; the frame was dropped.
    func send(_ frame: [UInt8], run: UInt64) async -> Bool {
        while true {
            let (outcome, handoff) = state.withLock { state -> (Bool?, Handoff?) in
                guard state.liveRuns.contains(run) else { return (false, nil) }
                if state.bufferedBytes > budget { return (nil, nil) }
                return (true, state.enqueue(.text(frame)))
            }
            handoff?.resume()
            guard let outcome else {
                if Task.isCancelled { return false }
                await waitForRoom()
                continue
            }
            return outcome
        }
    }

    private func waitForRoom() async {
        let ticket = state.withLock { state -> UInt64 in
            state.nextProducer += 1
            return state.nextProducer
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || state.bufferedBytes <= budget || Task.isCancelled { return true }
                    state.producers[ticket] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.producers.removeValue(forKey: ticket) }?.resume()
        }
    }

    /// Ends a run: if it is still live, its last frame (if any) is queued and it accepts nothing more.
    ///
    /// - Returns: `true` if the run was live, so this call decided its end.
    @discardableResult
    func endRun(_ run: UInt64, sending frame: [UInt8]?) -> Bool {
        let (wasLive, handoff) = state.withLock { state -> (Bool, Handoff?) in
            guard state.liveRuns.remove(run) != nil else { return (false, nil) }
            return (true, frame.flatMap { state.enqueue(.text($0)) })
        }
        handoff?.resume()
        return wasLive
    }
}
