package io.meteringest.usage;

import java.util.List;

/**
 * The durable state behind exact usage: open window aggregates, the message ids and record keys
 * already accounted, and flushes kept outbox-style until their S3 objects are written. A poll's
 * messages are accounted in ONE durable write, before any of them is deleted. Two implementations,
 * chosen by {@code ingest.store.url}: {@link RocksUsageStore} ({@code rocksdb:<folder>}, one
 * instance) and {@link SqlUsageStore} ({@code jdbc:...}: H2, or PostgreSQL for several instances).
 */
public interface UsageStore {

    /** What accounting one message (or, summed, one poll) did. */
    record Accounting(boolean alreadyAccounted, int accounted, int duplicates) {
        /** A poll with nothing staged: no write at all. */
        public static final Accounting NOTHING = new Accounting(false, 0, 0);
    }

    /** Creates what the store needs if it is not there yet. */
    void createSchema() throws Exception;

    /**
     * Accounts the accepted records of a poll's messages, in the order given, in one durable write: a
     * message id seen before changes nothing (a redelivery after a crash), a record whose dedup key was
     * seen before (in the store, or earlier in these messages) is a duplicate. Each batch gets its
     * {@link UsageBatch#accounting()}; the total says whether all of them were accounted before.
     */
    Accounting account(List<UsageBatch> batches);

    /** Which open windows {@link #closeWindows} closes. */
    enum WindowsToClose {
        /** those past their end + {@code ingest.aggregation.grace} (the timer's and the operator's flush) */
        DUE,
        /** every open window, due or not (the shutdown flush) */
        ALL
    }

    /**
     * Moves the open rows of {@code which} windows into a new flush, at once, at most {@code maxRows}
     * of them (the rest go into the next flush): a flush is written to S3 from memory, so its size
     * bounds the heap ({@code ingest.aggregation.max-flush-rows}; usage-flush calls this until it
     * returns null). Returns the flush's id, or null when there was nothing to flush.
     */
    String closeWindows(WindowsToClose which, int maxRows);

    /** Flushes whose S3 objects are not known to be written, oldest first, rows in a fixed order. */
    List<Flush> pendingFlushes();

    /** Records that a flush's objects are in S3; its rows stay until pruned. */
    void markWritten(String flushId);

    /** Forgets record keys, message ids and written flushes older than {@code ingest.dedup.retention}. */
    int prune();

    /** How long the oldest closed window has waited to reach S3; 0 when nothing is late. */
    long flushLagMillis();

    /** Every open (not yet flushed) row, read in full: for tests and diagnostics, never on the message path. */
    List<UsageRow> openRows();
}
