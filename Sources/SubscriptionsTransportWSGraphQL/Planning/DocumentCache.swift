import GraphQL
import SubscriptionsConcurrency
import SubscriptionsTransportWS

/// Documents that were parsed, validated and had their operation chosen, by document text and
/// operation name, so that starting the same operation again skips all three.
///
/// Bounded: past its capacity the least recently used entry is dropped. Rejected documents (syntax
/// or validation errors) are kept too, so a client repeating a bad document costs no more than a
/// good one.
final class DocumentCache: Sendable {
    struct Key: Hashable, Sendable {
        let query: String
        let operationName: String?
    }

    /// What preparing a document gave.
    enum Entry: Sendable {
        case syntaxError(GraphQLRequestError)
        case rejected([GraphQLFormattedError])
        case ready(PreparedOperation)
    }

    private let entries: Lock<LeastRecentlyUsed<Key, Entry>>
    let capacity: Int

    /// - Parameter capacity: How many documents to keep; 0 keeps none.
    init(capacity: Int) {
        self.capacity = capacity
        self.entries = Lock(LeastRecentlyUsed(capacity: capacity))
    }

    /// The prepared document for `key`, preparing it with `prepare` when it is not cached.
    ///
    /// Two tasks asking for the same new document at once may both prepare it; the result is the
    /// same, and one of them is kept.
    func entry(for key: Key, prepare: (Key) -> Entry) -> Entry {
        guard capacity > 0 else { return prepare(key) }
        if let cached = entries.withLock({ $0.value(for: key) }) { return cached }
        let entry = prepare(key)
        entries.withLock { $0.insert(entry, for: key) }
        return entry
    }

    /// How many documents are cached.
    var count: Int { entries.withLock { $0.count } }
}

/// A document ready to run: parsed, validated, its operation chosen; with its plan when the
/// operation has no variables (the plan is then the same for every start).
struct PreparedOperation: Sendable {
    let document: Document
    let operation: OperationDefinition
    /// The plan for an operation without variable definitions; `nil` otherwise, or when the
    /// operation cannot be planned.
    let plan: ExecutionPlan?
}

/// A dictionary that keeps at most `capacity` entries, dropping the least recently used.
struct LeastRecentlyUsed<Key: Hashable, Value> {
    private struct Node {
        let key: Key
        var value: Value
        var newer: Int?
        var older: Int?
    }

    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        touch(slot)
        return nodes[slot].value
    }

    /// Stores `value` for `key` as the most recently used, dropping the least recently used entry
    /// when full.
    mutating func insert(_ value: Value, for key: Key) {
        guard capacity > 0 else { return }
        if let slot = index[key] {
            nodes[slot].value = value
            touch(slot)
            return
        }
        let slot: Int
        if nodes.count < capacity {
            slot = nodes.count
            nodes.append(Node(key: key, value: value))
        } else {
            // Reuse the oldest entry's slot.
            slot = oldest!
            unlink(slot)
            index[nodes[slot].key] = nil
            nodes[slot] = Node(key: key, value: value)
        }
        index[key] = slot
        linkAsNewest(slot)
    }

    private mutating func touch(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (nodes[slot].newer, nodes[slot].older)
        if let newer { nodes[newer].older = older } else { newest = older }
        if let older { nodes[older].newer = newer } else { oldest = newer }
        nodes[slot].newer = nil
        nodes[slot].older = nil
    }

    private mutating func linkAsNewest(_ slot: Int) {
        nodes[slot].older = newest
        nodes[slot].newer = nil
        if let newest { nodes[newest].newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }
}
