import PostgresNIO
import SubscriptionsPubSub

/// The names and SQL of the database objects one table prefix uses.
///
/// Ordering across processes rests on one rule, enforced by `<prefix>_publish_batch` (and by
/// `<prefix>_publish`, which engines of earlier versions call): a transaction that stores events
/// takes a transaction-level advisory lock before it draws their sequence numbers and holds it
/// until it commits. Without it, two concurrent inserts could commit out of order (number 8
/// visible before number 7), and a listener that had moved past 8 would never deliver 7. With it,
/// events become visible strictly in sequence order, so "every event with a sequence above the
/// last one delivered" is always exactly the set of undelivered events. Both functions take the
/// same lock, so engines of either version can share a prefix. The price is that transactions on
/// one prefix commit one at a time; an engine therefore stores all the events its callers
/// publish concurrently in one transaction (a batch, see `PublishBatcher`), so the commit rate
/// bounds batches per second rather than events per second (see BENCHMARKS.md).
struct PostgresPubSubSchema: Sendable {
    let prefix: String
    let eventsTable: String
    let retentionTable: String
    /// Stores one event; kept for engines of earlier versions, which call it.
    let publishFunction: String
    /// Stores a batch of events in one transaction, with one `NOTIFY`.
    let publishBatchFunction: String
    let pruneFunction: String
    /// The `NOTIFY` channel: it carries only the new sequence number, as a wake-up call.
    let channel: String

    /// Most rows, and payload bytes, one catch-up query returns; bounds the listener's memory.
    static let catchUpRowLimit = 512
    static let catchUpByteBudget: Int64 = 8 << 20
    /// Most rows one clean-up transaction deletes, so it never holds locks for long.
    static let pruneBatch = 10_000
    /// Most events, and topic and payload bytes, one publish batch carries (always at least one
    /// event); bounds the statement's size and the time its transaction holds the publish lock.
    static let publishBatchLimit = 1024
    static let publishBatchByteBudget = 4 << 20

    init(prefix: String) throws {
        let valid =
            (1...40).contains(prefix.utf8.count)
            && prefix.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            && !(prefix.utf8.first! >= 0x30 && prefix.utf8.first! <= 0x39)
        guard valid else {
            throw PubSubError(
                code: .invalidConfiguration,
                message: "table prefix '\(prefix)' must be 1–40 of [a-z0-9_], not starting with a digit"
            )
        }
        self.prefix = prefix
        self.eventsTable = "\(prefix)_events"
        self.retentionTable = "\(prefix)_retention"
        self.publishFunction = "\(prefix)_publish"
        self.publishBatchFunction = "\(prefix)_publish_batch"
        self.pruneFunction = "\(prefix)_prune"
        self.channel = "\(prefix)_events"
    }

    /// Advisory-lock keys, derived from the prefix so that different prefixes do not contend.
    var publishLockKey: Int64 { Self.fnv1a("SubscriptionsPubSub.publish.\(self.prefix)") }
    var schemaLockKey: Int64 { Self.fnv1a("SubscriptionsPubSub.schema.\(self.prefix)") }

    /// Statements that create whatever is missing; run in one transaction.
    ///
    /// The first statement serializes concurrent first starts, since `CREATE … IF NOT EXISTS`
    /// and `CREATE OR REPLACE FUNCTION` race with themselves in PostgreSQL.
    var setupStatements: [PostgresQuery] {
        [
            "SELECT pg_advisory_xact_lock(\(self.schemaLockKey))",
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: self.eventsTable) (
                seq bigserial PRIMARY KEY,
                topic text NOT NULL,
                payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // One row: how far clean-up has deleted, and an identity that changes if the tables
            // are dropped and made again (so a listener does not wait for numbers it already saw).
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: self.retentionTable) (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                pruned_through bigint NOT NULL DEFAULT 0,
                epoch uuid NOT NULL DEFAULT gen_random_uuid()
            )
            """,
            "INSERT INTO \(unescaped: self.retentionTable) DEFAULT VALUES ON CONFLICT DO NOTHING",
            """
            CREATE OR REPLACE FUNCTION \(unescaped: self.publishFunction)(p_topic text, p_payload bytea)
            RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                new_seq bigint;
            BEGIN
                -- Held until commit: sequence order is commit order (see PostgresPubSubSchema).
                PERFORM pg_advisory_xact_lock(\(unescaped: String(self.publishLockKey)));
                INSERT INTO \(unescaped: self.eventsTable) (topic, payload)
                    VALUES (p_topic, p_payload) RETURNING seq INTO new_seq;
                PERFORM pg_notify('\(unescaped: self.channel)', new_seq::text);
                RETURN new_seq;
            END
            $$
            """,
            // Sequence numbers are drawn in array order (volatile functions in a select list are
            // evaluated after its ORDER BY), and the numbers come back in array order whatever
            // order the rows are inserted in. One NOTIFY, with the highest number, wakes
            // listeners once per batch.
            """
            CREATE OR REPLACE FUNCTION \(unescaped: self.publishBatchFunction)(p_topics text[], p_payloads bytea[])
            RETURNS bigint[] LANGUAGE plpgsql AS $$
            DECLARE
                counter regclass := pg_get_serial_sequence('\(unescaped: self.eventsTable)', 'seq');
                sequences bigint[];
            BEGIN
                IF coalesce(array_length(p_topics, 1), 0) = 0 THEN
                    RETURN '{}';
                END IF;
                IF array_length(p_topics, 1) IS DISTINCT FROM array_length(p_payloads, 1) THEN
                    RAISE EXCEPTION 'topics and payloads differ in length';
                END IF;
                -- Held until commit: sequence order is commit order (see PostgresPubSubSchema).
                PERFORM pg_advisory_xact_lock(\(unescaped: String(self.publishLockKey)));
                WITH numbered AS MATERIALIZED (
                    SELECT nextval(counter) AS seq,
                        topic, payload, ord
                    FROM unnest(p_topics, p_payloads) WITH ORDINALITY AS batch(topic, payload, ord)
                    ORDER BY ord
                ), stored AS (
                    INSERT INTO \(unescaped: self.eventsTable) (seq, topic, payload)
                    SELECT seq, topic, payload FROM numbered
                )
                SELECT array_agg(seq ORDER BY ord) INTO sequences FROM numbered;
                PERFORM pg_notify('\(unescaped: self.channel)', sequences[array_upper(sequences, 1)]::text);
                RETURN sequences;
            END
            $$
            """,
            """
            CREATE OR REPLACE FUNCTION \(unescaped: self.pruneFunction)(p_max_age interval, p_max_rows integer)
            RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                cutoff bigint;
                deleted bigint;
            BEGIN
                SELECT max(seq) INTO cutoff FROM (
                    SELECT seq, created_at FROM \(unescaped: self.eventsTable) ORDER BY seq LIMIT p_max_rows
                ) oldest WHERE created_at < now() - p_max_age;
                IF cutoff IS NULL THEN
                    RETURN 0;
                END IF;
                -- Recorded in the same transaction as the delete, so a listener reading both in
                -- one snapshot knows exactly which numbers are gone.
                UPDATE \(unescaped: self.retentionTable) SET pruned_through = greatest(pruned_through, cutoff);
                DELETE FROM \(unescaped: self.eventsTable) WHERE seq <= cutoff;
                GET DIAGNOSTICS deleted = ROW_COUNT;
                RETURN deleted;
            END
            $$
            """,
        ]
    }

    /// Stores the events in one transaction; answers one row with their sequence numbers, in
    /// the order of the arrays.
    func publishBatch(topics: [String], payloads: [ByteBuffer]) -> PostgresQuery {
        "SELECT \(unescaped: self.publishBatchFunction)(\(topics), \(payloads))"
    }

    /// The listener's starting point: the table's identity and the highest number used so far.
    var position: PostgresQuery {
        """
        SELECT r.epoch, greatest(coalesce((SELECT max(seq) FROM \(unescaped: self.eventsTable)), 0), r.pruned_through)
        FROM \(unescaped: self.retentionTable) r
        """
    }

    /// The next events after `sequence`, in order, in one snapshot with the clean-up mark.
    ///
    /// Payloads come only for `topics` (those with local subscribers), so a process does not read
    /// the payloads of topics nobody in it listens to; every row still comes, to advance the
    /// position. Rows stop at ``catchUpRowLimit`` or once ``catchUpByteBudget`` payload bytes
    /// are reached (always at least one row). `total` is how many rows matched before the byte
    /// budget, to tell whether more may follow.
    func catchUp(after sequence: Int64, topics: [String]) -> PostgresQuery {
        """
        SELECT r.pruned_through, w.seq, w.topic, w.payload, w.total
        FROM \(unescaped: self.retentionTable) r
        LEFT JOIN LATERAL (
            SELECT seq, topic, payload, total FROM (
                SELECT seq, topic,
                    CASE WHEN topic = ANY(\(topics)) THEN payload END AS payload,
                    sum(CASE WHEN topic = ANY(\(topics)) THEN octet_length(payload) ELSE 0 END)
                        OVER (ORDER BY seq) AS running,
                    count(*) OVER () AS total
                FROM (
                    SELECT seq, topic, payload FROM \(unescaped: self.eventsTable)
                    WHERE seq > \(sequence) ORDER BY seq LIMIT \(Self.catchUpRowLimit)
                ) limited
            ) windowed
            WHERE running - coalesce(octet_length(payload), 0) < \(Self.catchUpByteBudget)
        ) w ON true
        ORDER BY w.seq
        """
    }

    func payload(sequence: Int64) -> PostgresQuery {
        "SELECT payload FROM \(unescaped: self.eventsTable) WHERE seq = \(sequence)"
    }

    func prune(olderThan age: Duration) -> PostgresQuery {
        let seconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        return "SELECT \(unescaped: self.pruneFunction)(make_interval(secs => \(seconds)), \(Int32(Self.pruneBatch)))"
    }

    /// 64-bit FNV-1a: stable across runs and platforms, unlike `Hasher`.
    private static func fnv1a(_ text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
