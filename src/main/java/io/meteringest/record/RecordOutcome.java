package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The verdict on one {@link RecordItem}: the accepted record, or every reason it was rejected.
 * This is the body of each split exchange after validation.
 */
public record RecordOutcome(int index, Integer line, MeterRecord record, List<String> reasons, JsonNode json, String raw) {

    public static RecordOutcome accept(RecordItem item, MeterRecord record) {
        return new RecordOutcome(item.index(), item.line(), record, List.of(), item.json(), null);
    }

    public static RecordOutcome reject(RecordItem item, List<String> reasons) {
        return new RecordOutcome(item.index(), item.line(), null, List.copyOf(reasons), item.json(), item.raw());
    }

    public boolean isAccepted() {
        return record != null;
    }

    /** Convenience for routes: {@code ${body.meterApiName}} on an accepted outcome. */
    public String getMeterApiName() {
        return record == null ? null : record.meterApiName();
    }
}
