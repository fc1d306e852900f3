package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.List;

/**
 * The accepted records of one SQS message that share a {@code meterApiName}: the body the usage
 * routes see ({@code usage-route} chooses the aggregation endpoint by {@code ${body.meterApiName}}).
 * Records travel to their endpoint as a group rather than one exchange each, since a Camel exchange
 * per record cost more CPU than everything else the pipeline does with the record (README, Performance).
 */
public final class MeterRecords {

    // a class with getters only, not a record: Simple finds both meterApiName() and getMeterApiName() ambiguous
    private final String meterApiName;
    private final List<MeterRecord> records;

    public MeterRecords(String meterApiName, List<MeterRecord> records) {
        this.meterApiName = meterApiName;
        this.records = List.copyOf(records);
    }

    /** For Simple: {@code ${body.meterApiName}}. */
    public String getMeterApiName() {
        return meterApiName;
    }

    /** For Simple: {@code ${body.records}}, e.g. to split them one by one in an endpoint. */
    public List<MeterRecord> getRecords() {
        return records;
    }

    /** For Simple: {@code ${body.size}}. */
    public int getSize() {
        return records.size();
    }
}
