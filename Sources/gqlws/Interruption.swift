import Dispatch
import Foundation

/// Ctrl-C (SIGINT) and SIGTERM as an event a command can wait for, instead of the default of dying
/// on the spot: a subscription can then be stopped on the server and the socket closed properly.
final class Interruption: Sendable {
    private let signals: AsyncStream<Void>
    // DispatchSourceSignal is thread-safe but not marked Sendable; the sources are only kept alive
    // here and cancelled in deinit.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts catching SIGINT and SIGTERM.
    init() {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self)
        self.signals = signals
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Returns at the first signal, or when the calling task is cancelled.
    func wait() async {
        for await _ in signals { return }
    }
}
