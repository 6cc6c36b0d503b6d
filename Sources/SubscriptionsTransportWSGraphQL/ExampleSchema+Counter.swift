extension ExampleSchema {
    /// The source stream of `counter`: `0, 1, …, count-1`, with a pause before each value after the
    /// first.
    ///
    /// A plain sequence rather than a stream fed by a task, so nothing runs unless it is pulled and
    /// a cancelled consumer ends it: `Task.sleep` and `Task.checkCancellation` throw
    /// `CancellationError`, which GraphQLSwift treats as the end of the source.
    struct Counter: AsyncSequence, Sendable {
        typealias Element = Int
        typealias Failure = any Error

        /// How many values to produce.
        let count: Int
        /// The pause before each value after the first; zero or less for none.
        let delay: Duration

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(count: count, delay: delay)
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            let count: Int
            let delay: Duration
            var value = 0

            mutating func next() async throws -> Int? {
                guard value < count else { return nil }
                if value > 0, delay > .zero {
                    try await Task.sleep(for: delay)
                } else {
                    try Task.checkCancellation()
                }
                defer { value += 1 }
                return value
            }
        }
    }
}
