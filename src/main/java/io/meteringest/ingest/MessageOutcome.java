package io.meteringest.ingest;

import io.meteringest.record.MeterRecord;
import io.meteringest.record.RecordOutcome;
import io.meteringest.usage.MeterRecords;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What validation made of one SQS message: its accepted records, grouped by meter in the order
 * their meters first appear, and the rejected ones. Built by {@link MessageValidator}; a failure
 * report is written when {@link #getRejected()} is above zero.
 */
public final class MessageOutcome {

    private int accepted;
    private final Map<String, List<MeterRecord>> acceptedByMeter = new LinkedHashMap<>();
    private final List<RecordOutcome> rejections = new ArrayList<>();

    void add(RecordOutcome outcome) {
        if (outcome.isAccepted()) {
            accepted++;
            acceptedByMeter.computeIfAbsent(outcome.record().meterApiName(), k -> new ArrayList<>()).add(outcome.record());
        } else {
            rejections.add(outcome);
        }
    }

    public int getAccepted() {
        return accepted;
    }

    /** One group per meter, the body of each exchange {@code ingest-validate} sends to {@code usage-route}. */
    public List<MeterRecords> getAcceptedByMeter() {
        List<MeterRecords> groups = new ArrayList<>(acceptedByMeter.size());
        acceptedByMeter.forEach((meter, records) -> groups.add(new MeterRecords(meter, records)));
        return groups;
    }

    public int getRejected() {
        return rejections.size();
    }

    public List<RecordOutcome> getRejections() {
        return rejections;
    }
}
