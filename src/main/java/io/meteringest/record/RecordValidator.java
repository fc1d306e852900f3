package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks each split record of the {@code ingest-validate} route (bean {@code recordValidator}) against
 * the contract's record rules ({@link RecordField}), collecting every reason it breaks.
 */
public final class RecordValidator {

    private final Clock clock;
    private final Duration maxFuture;

    public RecordValidator(Clock clock, Duration maxFuture) {
        this.clock = clock;
        this.maxFuture = maxFuture;
    }

    public RecordOutcome validate(RecordItem item) {
        if (item.fields() != null) {
            if (holdsEveryRule(item.fields())) {
                return RecordOutcome.accept(item, item.fields());
            }
            // rejected: the tree gives every reason in the usual words, and the report its JSON
            item = item.asTree().get();
        }
        if (item.json() == null) {
            return RecordOutcome.reject(item, List.of(item.error()));
        }
        if (!item.json().isObject()) {
            return RecordOutcome.reject(item, List.of(RecordField.notAnObject(item.json())));
        }
        return validateTree(item);
    }

    /** The rules for a record read straight into its fields (types and presence held already): true when none is broken. */
    private boolean holdsEveryRule(MeterRecord record) {
        if (!RecordField.CUSTOMER_ID.holdsText(record.customerId(), null)
                || !RecordField.METER_API_NAME.holdsText(record.meterApiName(), null)
                || !RecordField.holdsMeterValue(record.meterValue(), null)
                || !RecordField.holdsMeterTime(record.meterTimeInMillis(), latest(), maxFuture, null)
                || !RecordField.holdsDimensionCount(record.dimensions().size(), null)
                || (record.uniqueId() != null && !RecordField.UNIQUE_ID.holdsText(record.uniqueId(), null))) {
            return false;
        }
        for (Map.Entry<String, String> entry : record.dimensions().entrySet()) {
            if (!RecordField.holdsDimensionKey(entry.getKey(), null)
                    || !RecordField.holdsDimensionValue(entry.getKey(), entry.getValue(), null)) {
                return false;
            }
        }
        return true;
    }

    /** Every field of a JSON object, in the table's order: absent, of another type, or its value checked. */
    private RecordOutcome validateTree(RecordItem item) {
        List<String> reasons = new ArrayList<>();
        String customerId = null;
        String meterApiName = null;
        BigDecimal meterValue = null;
        long meterTime = 0;
        SortedMap<String, String> dimensions = new TreeMap<>();
        String uniqueId = null;
        for (RecordField field : RecordField.ALL) {
            JsonNode node = item.json().get(field.json);
            if (node == null || node.isNull()) {
                if (field.required) {
                    reasons.add(field.absent());
                }
                continue;
            }
            if (!field.type.of(node)) {
                reasons.add(field.mistyped(node));
                continue;
            }
            // the value as read is checked by its field's rules (assigned in passing, kept for the record)
            switch (field) {
                case CUSTOMER_ID -> field.holdsText(customerId = node.textValue(), reasons);
                case METER_API_NAME -> field.holdsText(meterApiName = node.textValue(), reasons);
                case METER_VALUE -> RecordField.holdsMeterValue(meterValue = node.decimalValue(), reasons); // exact
                case METER_TIME_IN_MILLIS -> RecordField.holdsMeterTime(meterTime = node.longValue(), latest(), maxFuture, reasons);
                case DIMENSIONS -> dimensions(node, dimensions, reasons);
                case UNIQUE_ID -> field.holdsText(uniqueId = node.textValue(), reasons);
            }
        }
        if (!reasons.isEmpty()) {
            return RecordOutcome.reject(item, reasons);
        }
        return RecordOutcome.accept(item,
                new MeterRecord(customerId, meterApiName, meterValue, meterTime, dimensions, uniqueId));
    }

    private static void dimensions(JsonNode node, SortedMap<String, String> dimensions, List<String> reasons) {
        RecordField.holdsDimensionCount(node.size(), reasons);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            RecordField.holdsDimensionKey(key, reasons);
            JsonNode value = entry.getValue();
            if (!FieldType.STRING.of(value)) {
                reasons.add(RecordField.dimensionMistyped(key, value));
                continue;
            }
            RecordField.holdsDimensionValue(key, value.textValue(), reasons);
            dimensions.put(key, value.textValue());
        }
    }

    private long latest() {
        return clock.millis() + maxFuture.toMillis();
    }
}
