package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The accepted records of one SQS message, gathered by the aggregation endpoints during the split
 * and accounted in one store transaction afterwards ({@code usage-account}). Lives in the exchange
 * property {@code usageBatch}, which the split's record exchanges share.
 */
public final class UsageBatch {

    private final List<MeterRecord> records = Collections.synchronizedList(new ArrayList<>());

    public void add(MeterRecord record) {
        records.add(record);
    }

    public List<MeterRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    public int size() {
        return records.size();
    }
}
