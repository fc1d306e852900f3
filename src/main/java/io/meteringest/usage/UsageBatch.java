package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The accepted records of one SQS message, gathered by the aggregation endpoints during the split
 * (exchange property {@code usageBatch}, which the split's record exchanges share) and accounted with
 * the rest of its poll in one store transaction ({@code usage-account}), which leaves its
 * {@link #accounting()} here.
 */
public final class UsageBatch {

    private final String messageId;
    private final List<MeterRecord> records = Collections.synchronizedList(new ArrayList<>());
    private volatile UsageStore.Accounting accounting;

    public UsageBatch(String messageId) {
        this.messageId = messageId;
    }

    public String messageId() {
        return messageId;
    }

    public void add(MeterRecord record) {
        records.add(record);
    }

    public void addAll(List<MeterRecord> taken) {
        records.addAll(taken);
    }

    public List<MeterRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    public int size() {
        return records.size();
    }

    /** What the commit did with this message's records; null before. */
    public UsageStore.Accounting accounting() {
        return accounting;
    }

    void accounted(UsageStore.Accounting result) {
        accounting = result;
    }

    /** Hands each batch its result; the poll's total (accounted before only if all of them were). */
    static UsageStore.Accounting accounted(List<UsageBatch> batches, List<UsageStore.Accounting> results) {
        int accounted = 0;
        int duplicates = 0;
        boolean allBefore = true;
        for (int i = 0; i < batches.size(); i++) {
            UsageStore.Accounting result = results.get(i);
            batches.get(i).accounted(result);
            accounted += result.accounted();
            duplicates += result.duplicates();
            allBefore &= result.alreadyAccounted();
        }
        return new UsageStore.Accounting(allBefore, accounted, duplicates);
    }
}
