package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the aggregation endpoints call: each {@link #add}s the accepted records it takes to the
 * message's {@link UsageBatch} (opened by {@code ingest-validate}); then
 * {@code usage-account} hands the poll's batches to the {@link UsageStore} in one commit. Counts the
 * records each endpoint took, for operators ({@code meter_ingest_records_routed_total{endpoint=...}}).
 */
public final class UsageAccounting implements MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(UsageAccounting.class);

    private final Map<String, AtomicLong> byEndpoint = new ConcurrentHashMap<>();
    private volatile MeterRegistry meters;

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
        AtomicLong counted = byEndpoint.get(endpoint);
        (counted != null ? counted : newCount(endpoint)).addAndGet(count);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        meters = registry;
        // after meters is set: an endpoint counted before is registered here, one counted from now on by newCount
        byEndpoint.forEach((endpoint, count) -> register(registry, endpoint, count));
    }

    /** An endpoint's first records: its counter, on the metrics page from now on (an endpoint an engineer adds too). */
    private AtomicLong newCount(String endpoint) {
        AtomicLong fresh = new AtomicLong();
        AtomicLong raced = byEndpoint.putIfAbsent(endpoint, fresh);
        if (raced != null) {
            return raced;
        }
        MeterRegistry registry = meters;
        if (registry != null) {
            register(registry, endpoint, fresh);
        }
        return fresh;
    }

    private static void register(MeterRegistry registry, String endpoint, AtomicLong count) {
        try {
            // registering the same name and tag again returns the meter already there
            FunctionCounter.builder("meter_ingest_records_routed", count, AtomicLong::get).tag("endpoint", endpoint)
                    .description("Accepted records each aggregation endpoint took (duplicates included)").register(registry);
        } catch (RuntimeException e) {
            // a metric is never a reason to fail accounting
            LOG.warn("meter_ingest_records_routed for endpoint {} not registered: {}", endpoint, e.getMessage());
        }
    }

    /** Records taken by each aggregation endpoint since start (before dedup). */
    public Map<String, Long> recordsByEndpoint() {
        Map<String, Long> copy = new TreeMap<>();
        byEndpoint.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }
}
