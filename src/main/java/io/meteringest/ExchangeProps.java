package io.meteringest;

/**
 * The exchange property names the routes ({@code routes/*.yaml}) and the beans share, in one place:
 * the Java uses these constants and {@code ExchangePropsTest} fails when a route uses a name that is
 * not one of them, so a rename on one side cannot silently leave the other reading null.
 * (Not {@code ExchangeProperties}: that is a Camel annotation.)
 */
public final class ExchangeProps {

    /** The receive's messages as one {@code ingest.Poll}: set by PollGate and ingest-replay, read by every poll step. */
    public static final String POLL = "poll";
    /** A message's raw object key: set in ingest-archive/ingest-replay, kept in the poll by PollOutcomes.archived (the done line). */
    public static final String RAW_KEY = "rawKey";
    /** A message's accepted records ({@code usage.UsageBatch}): set in ingest-validate, filled by usage-aggregate, kept by PollOutcomes. */
    public static final String USAGE_BATCH = "usageBatch";
    /** A message's {@code ingest.MessageOutcome}: set in ingest-validate, staged by PollOutcomes, the failure report's body. */
    public static final String OUTCOME = "outcome";
    /** A message's accepted-record count as a plain number: Simple would introspect the outcome's class per message. */
    public static final String ACCEPTED = "accepted";
    /** A message's rejected-record count, as plain as {@link #ACCEPTED} for the same reason. */
    public static final String REJECTED = "rejected";
    /** A message's accepted records by meter ({@code usage.MeterRecords} each): set in ingest-validate, split by ingest-report to usage-route. */
    public static final String ACCEPTED_BY_METER = "acceptedByMeter";
    /** The poll's {@code UsageStore.Accounting} from usage-account: its duplicate counter, and what Operations.replay reports. */
    public static final String ACCOUNTING = "accounting";
    /** How many messages ingest-delete deleted, for its counter. */
    public static final String DELETED = "deleted";
    /** The {@code usage.Flush} usage-write is writing: its keys, rows and id for the S3 writes and markWritten. */
    public static final String FLUSH = "flush";
    /** The flush usage-flush just closed (null: nothing left to close, which ends its loop). */
    public static final String FLUSH_ID = "flushId";
    /** Every flush one usage-flush run closed, space-separated (absent: none), returned by Operations.flush. */
    public static final String FLUSH_IDS = "flushIds";
    /** {@code true}: usage-flush closes every open window (the shutdown flush), not only those past end + grace. */
    public static final String ALL_WINDOWS = "allWindows";
    /** An Extended Client payload's s3://bucket/key: set by ExtendedPayloads, read by S3Keys for the archive metadata (Java only). */
    public static final String PAYLOAD_POINTER = "payloadPointer";

    private ExchangeProps() {
    }
}
