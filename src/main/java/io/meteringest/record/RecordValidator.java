package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
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
        long latest = latest();
        for (RecordField field : RecordField.ALL) {
            Object value = field.valueOf(record);
            if (value != null && !field.holdsValue(value, latest, maxFuture, null)) {
                return false;
            }
        }
        return true;
    }

    /** Every field of a JSON object, in the table's order: absent, of another type, or its value checked. */
    private RecordOutcome validateTree(RecordItem item) {
        List<String> reasons = new ArrayList<>();
        long latest = latest();
        Map<RecordField, Object> values = new EnumMap<>(RecordField.class);
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
            Object value = field.type.read(node);
            field.holdsValue(value, latest, maxFuture, reasons);
            values.put(field, value);
        }
        if (!reasons.isEmpty()) {
            return RecordOutcome.reject(item, reasons);
        }
        // accepted: every dimension value is a string
        SortedMap<String, String> dimensions = new TreeMap<>();
        ((Map<?, ?>) values.getOrDefault(RecordField.DIMENSIONS, Map.of()))
                .forEach((key, value) -> dimensions.put((String) key, (String) value));
        return RecordOutcome.accept(item, new MeterRecord((String) values.get(RecordField.CUSTOMER_ID),
                (String) values.get(RecordField.METER_API_NAME), (BigDecimal) values.get(RecordField.METER_VALUE),
                (Long) values.get(RecordField.METER_TIME_IN_MILLIS), dimensions, (String) values.get(RecordField.UNIQUE_ID)));
    }

    private long latest() {
        return clock.millis() + maxFuture.toMillis();
    }
}
