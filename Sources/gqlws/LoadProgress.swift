import Foundation
import Synchronization

/// What a load run has seen so far, counted by its connections as it happens and shown by
/// `gqlws load` as a live progress line on standard error when that is a terminal.
final class LoadProgress: Sendable {
    /// Connections acknowledged and not yet closed.
    let connectionsUp = Atomic<Int>(0)
    /// Results received, by every connection.
    let results = Atomic<Int>(0)
    /// Results that carried errors, plus connections that failed.
    let errors = Atomic<Int>(0)

    init() {}

    /// The progress line: connections up, results per second over the last interval, results and
    /// errors so far, and the time run out of the most.
    static func line(
        connectionsUp: Int,
        connections: Int,
        resultsPerSecond: Double,
        results: Int,
        errors: Int,
        elapsedSeconds: Int,
        durationSeconds: Double
    ) -> String {
        let rate = Int(resultsPerSecond.rounded())
        // Whole seconds as such (10), others with their tenths (2.5).
        let tenths = Int((durationSeconds * 10).rounded())
        let duration = tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
        return
            "connections \(connectionsUp)/\(connections) up | \(rate) results/s | \(results) results | "
            + "\(errors) error\(errors == 1 ? "" : "s") | \(elapsedSeconds)/\(duration) s"
    }

    /// Rewrites the progress line on standard error about once a second (`\r`, then the line, then
    /// "erase to the end of the line") until cancelled, then erases it so that what follows starts
    /// on a clean line.
    func show(connections: Int, duration: Duration) async {
        let clock = ContinuousClock()
        let start = clock.now
        var previous = (time: start, results: 0)
        let durationSeconds = Self.seconds(duration)
        while !Task.isCancelled {
            let now = clock.now
            let results = self.results.load(ordering: .relaxed)
            let interval = Self.seconds(previous.time.duration(to: now))
            let rate = interval > 0 ? Double(results - previous.results) / interval : 0
            previous = (now, results)
            let line = Self.line(
                connectionsUp: connectionsUp.load(ordering: .relaxed),
                connections: connections,
                resultsPerSecond: rate,
                results: results,
                errors: errors.load(ordering: .relaxed),
                elapsedSeconds: Int(Self.seconds(start.duration(to: now))),
                durationSeconds: durationSeconds
            )
            // Cut to the terminal's width: a line that wrapped could not be rewritten with \r.
            let shown = Terminal.standardErrorColumns.map { String(line.prefix(max(1, $0 - 1))) } ?? line
            FileHandle.standardError.write(Data("\r\(shown)\u{1B}[K".utf8))
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                break
            }
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
