package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the aggregation endpoints call: each {@link #add}s the accepted records it takes to the
 * message's {@link UsageBatch} (opened by {@code ingest-validate}); then
 * {@code usage-account} hands the poll's batches to the {@link UsageStore} in one commit. Counts the
 * records each endpoint took, for operators.
 */
public final class UsageAccounting {

    private final Map<String, AtomicLong> byEndpoint = new ConcurrentHashMap<>();

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

    /** Records taken by each aggregation endpoint since start (before dedup). */
    public Map<String, Long> recordsByEndpoint() {
        Map<String, Long> copy = new TreeMap<>();
        byEndpoint.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }
}
