import DequeModule
import NIOCore
import NIOPosix
import SubscriptionsConcurrency

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs tasks on one event loop's thread, a bounded batch at a time, with the loop's sockets served
/// between batches.
///
/// An operation that runs on its socket's event loop hands each result to the socket without a
/// thread switch. But an event loop runs every ready task before it looks at its sockets again, so a
/// task that keeps yielding (a stream that never waits) would starve the loop's reads and writes if
/// its jobs went to the loop directly. This executor queues its jobs itself and runs at most
/// ``batchSize`` of them per turn; when more are ready it asks for the next turn through a pipe that
/// the loop watches like any socket, so every socket of the loop is served first.
final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    /// The most jobs one turn runs before the loop's sockets get theirs.
    static let batchSize = 64

    private struct Queue {
        var jobs = Deque<UnownedJob>()
        /// A turn is pending or running: new jobs join it.
        var turnPending = false
    }

    let eventLoop: any EventLoop
    private let queue = Lock(Queue())
    /// The write end of the pipe whose read end the loop watches; `nil` until it is registered, and
    /// again once the loop has closed it (then turns go to the loop directly).
    private let wakeDescriptor = Lock<CInt?>(nil)

    private static let executors = PerEventLoop<EventLoopTaskExecutor>()

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// The executor of an event loop (one per loop, for the life of the process).
    static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let (executor, isNew) = executors.value(for: eventLoop, make: EventLoopTaskExecutor.init)
        // Outside the registry's lock: the pipe is a channel to register on the loop.
        if isNew { executor.registerWakePipe() }
        return executor
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let startsTurn = queue.withLock { queue in
            queue.jobs.append(job)
            defer { queue.turnPending = true }
            return !queue.turnPending
        }
        if startsTurn { eventLoop.execute { self.runTurn() } }
    }

    /// Runs up to ``batchSize`` jobs; if more are ready, asks the loop for another turn after its
    /// sockets.
    private func runTurn() {
        let executor = asUnownedTaskExecutor()
        for _ in 0..<Self.batchSize {
            guard let job = queue.withLock({ $0.jobs.popFirst() }) else { break }
            job.runSynchronously(on: executor)
        }
        let more = queue.withLock { queue in
            queue.turnPending = !queue.jobs.isEmpty
            return queue.turnPending
        }
        guard more else { return }
        if let descriptor = wakeDescriptor.withLock({ $0 }) {
            var byte: UInt8 = 1
            // One byte per pending turn, and one turn pends at a time; should the write fail all the
            // same, the turn goes to the loop directly below.
            if write(descriptor, &byte, 1) == 1 { return }
        }
        eventLoop.execute { self.runTurn() }
    }

    /// Without the pipe (a loop that is not SwiftNIO's POSIX one, such as an `EmbeddedEventLoop`,
    /// or no descriptors left), turns go to the loop directly.
    private func registerWakePipe() {
        guard let bootstrap = NIOPipeBootstrap(validatingGroup: eventLoop) else { return }
        var descriptors: [CInt] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return }
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WakeHandler(executor: self))
                }
            }
            .takingOwnershipOfDescriptor(input: readEnd)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.wakeDescriptor.withLock { $0 = writeEnd }
                    channel.closeFuture.whenComplete { _ in
                        self.wakeDescriptor.withLock { $0 = nil }
                        close(writeEnd)
                    }
                case .failure:
                    close(writeEnd)
                }
            }
    }

    /// Reads the wake pipe and runs the executor's next turn.
    private final class WakeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let executor: EventLoopTaskExecutor

        init(executor: EventLoopTaskExecutor) {
            self.executor = executor
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            executor.runTurn()
        }
    }
}
