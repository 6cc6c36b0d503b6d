import Dispatch
import Foundation
import SubscriptionsConcurrency

/// Ctrl-C (SIGINT) and SIGTERM as an event commands can wait for, instead of the default of dying on
/// the spot: operations can then be stopped on the server and sockets closed properly.
final class Interruption: Sendable {
    private let fired = OneShot<Void>()
    // DispatchSourceSignal is thread-safe but not marked Sendable; the sources are only kept alive
    // here and cancelled in deinit.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM.
    init() {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [fired] in fired.fulfill(()) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Returns once a signal has come (at once if one already has), or when the calling task is
    /// cancelled. Any number of tasks may wait.
    func wait() async {
        _ = await fired.waitUnlessCancelled()
    }
}
