package io.meteringest.usage;

import io.meteringest.record.RecordOutcome;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts accepted records per aggregation endpoint and meter. It stands behind the {@code usage-*}
 * routes until exact windowed aggregation replaces it; counts live in memory only.
 */
public final class UsageCounter {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    public void count(RecordOutcome outcome, String endpoint) {
        String key = endpoint + "/" + outcome.getMeterApiName();
        counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    /** Counts by "endpoint/meterApiName", sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }
}
