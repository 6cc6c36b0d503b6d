import SubscriptionsTransportWS

/// The summary of a load run, printed by `gqlws load`.
struct LoadReport: Sendable {
    let runs: [ConnectionRun]
    /// From the start of the run until its last connection closed.
    let elapsed: Duration
    /// The time results were counted in: the run's duration, or less when every operation ended
    /// sooner. Closing the connections after the deadline does not count.
    let window: Duration

    var connected: Int { runs.count { $0.failure == nil } }
    var results: Int { runs.reduce(0) { $0 + $1.results } }
    var resultsWithErrors: Int { runs.reduce(0) { $0 + $1.resultsWithErrors } }
    var firstFailure: (any Error)? { runs.lazy.compactMap(\.failure).first }

    /// Results per second over the counting window.
    var resultsPerSecond: Double {
        let seconds = Self.seconds(window)
        return seconds > 0 ? Double(results) / seconds : 0
    }

    var jsonValue: JSONValue {
        var failures: [String: Int] = [:]
        for case let failure? in runs.map(\.failure) {
            failures["\(failure)", default: 0] += 1
        }
        return [
            "connections": [
                "asked": .integer(runs.count),
                "connected": .integer(connected),
                "failed": .integer(runs.count - connected),
                "failures": .object(failures.mapValues { .integer($0) }),
            ],
            "results": [
                "total": .integer(results),
                "withErrors": .integer(resultsWithErrors),
                "perSecond": .double((resultsPerSecond * 10).rounded() / 10),
            ],
            "elapsedSeconds": .double(Self.seconds(elapsed)),
            "secondsToAck": Self.percentiles(runs.compactMap(\.acknowledged)),
            "secondsToFirstResult": Self.percentiles(runs.compactMap(\.firstResult)),
        ]
    }

    private static func seconds(_ duration: Duration) -> Double {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return (seconds * 1e6).rounded() / 1e6
    }

    /// p50, p99 and max of `durations` in seconds (nearest rank), or `null` when there are none.
    private static func percentiles(_ durations: [Duration]) -> JSONValue {
        guard !durations.isEmpty else { return .null }
        let sorted = durations.sorted()
        func rank(_ percent: Int) -> JSONValue {
            .double(seconds(sorted[max(0, (sorted.count * percent + 99) / 100 - 1)]))
        }
        return ["p50": rank(50), "p99": rank(99), "max": .double(seconds(sorted[sorted.count - 1]))]
    }
}
