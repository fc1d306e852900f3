package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Header;

/**
 * What the usage routes call: aggregation endpoints {@link #add} accepted records to the message's
 * {@link UsageBatch}; {@code usage-account} then {@link #account}s the batches of a poll in one
 * store transaction. Keeps counts per endpoint and of duplicates for operators.
 */
public final class UsageAccounting {

    private final UsageStore store;
    private final Map<String, AtomicLong> byEndpoint = new ConcurrentHashMap<>();
    private final AtomicLong accounted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();

    public UsageAccounting(UsageStore store) {
        this.store = store;
    }

    /** The message's batch, filled by the aggregation endpoints during its split. */
    public UsageBatch newBatch(@Header("CamelAwsSqsMessageId") String messageId) {
        return new UsageBatch(messageId);
    }

    /**
     * Called by an aggregation endpoint with what it takes, a message's records of one meter
     * ({@link MeterRecords}, the body {@code usage-route} hands it) or one {@link MeterRecord} (an
     * endpoint that splits its group), and its own name.
     */
    public void add(UsageBatch batch, Object taken, String endpoint) {
        if (batch == null) {
            throw new IllegalStateException("no usageBatch on the exchange: ingest-validate must set it before the split");
        }
        int count;
        if (taken instanceof MeterRecords group) {
            batch.addAll(group.getRecords());
            count = group.getRecords().size();
        } else if (taken instanceof MeterRecord record) {
            batch.add(record);
            count = 1;
        } else {
            throw new IllegalArgumentException("aggregation endpoint " + endpoint + ": usageAccounting.add takes MeterRecords or a MeterRecord, was "
                    + (taken == null ? "null" : taken.getClass().getName()));
        }
        byEndpoint.computeIfAbsent(endpoint, k -> new AtomicLong()).addAndGet(count);
    }

    /** The poll's staged messages, in receive order, in one store transaction; returns the poll's totals. */
    public UsageStore.Accounting account(List<UsageBatch> batches) {
        UsageStore.Accounting result = store.account(batches);
        accounted.addAndGet(result.accounted());
        duplicates.addAndGet(result.duplicates());
        return result;
    }

    /** Records taken by each aggregation endpoint since start (before dedup). */
    public Map<String, Long> recordsByEndpoint() {
        Map<String, Long> copy = new TreeMap<>();
        byEndpoint.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    public long accountedCount() {
        return accounted.get();
    }

    public long duplicateCount() {
        return duplicates.get();
    }
}
