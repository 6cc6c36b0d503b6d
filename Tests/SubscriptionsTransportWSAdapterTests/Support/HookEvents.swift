import SubscriptionsTransportWS
import TestSupport

/// Hooks that report operation ends, disconnects and closes on a stream, so a test can check what
/// the connection told the application, and in which order.
func reportingHooks() -> (ServerHooks<JSONObject>, AsyncStream<String>) {
    let (events, continuation) = AsyncStream.makeStream(of: String.self)
    let hooks = ServerHooks<JSONObject>(
        onOperationComplete: { id in continuation.yield("complete \(id)") },
        onDisconnect: { _, _ in continuation.yield("disconnect") },
        onClose: { closure in continuation.yield("close \(closure.code.map(String.init) ?? "without code")") }
    )
    return (hooks, events)
}

/// The hook events (see ``reportingHooks()``) up to the connection's close.
func eventsUntilClose(_ events: AsyncStream<String>) async throws -> [String] {
    try await withTimeout {
        var observed: [String] = []
        for await event in events {
            observed.append(event)
            if event.hasPrefix("close") { break }
        }
        return observed
    }
}
