package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks a {@link RecordItem} against every record rule of the contract and collects every reason
 * it breaks, each naming the field and the bad value. Called once per split record by the
 * {@code ingest-validate} route.
 */
public final class RecordValidator {

    static final int MAX_NAME_LENGTH = 256;
    static final int MAX_DIMENSIONS = 64;
    static final int MAX_DIMENSION_KEY_LENGTH = 128;
    static final int MAX_DIMENSION_VALUE_LENGTH = 1024;
    static final int MAX_DECIMAL_PLACES = 50;
    private static final int MAX_SHOWN_VALUE = 80;

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
        JsonNode json = item.json();
        if (!json.isObject()) {
            return RecordOutcome.reject(item, List.of("record: must be a JSON object, was " + show(json)));
        }
        List<String> reasons = new ArrayList<>();
        String customerId = name(json, "customerId", reasons);
        String meterApiName = name(json, "meterApiName", reasons);
        BigDecimal meterValue = meterValue(json, reasons);
        long meterTime = meterTime(json, reasons);
        SortedMap<String, String> dimensions = dimensions(json, reasons);
        String uniqueId = uniqueId(json, reasons);
        if (!reasons.isEmpty()) {
            return RecordOutcome.reject(item, reasons);
        }
        return RecordOutcome.accept(item,
                new MeterRecord(customerId, meterApiName, meterValue, meterTime, dimensions, uniqueId));
    }

    /** The rules below for a record read straight into its fields: true when none is broken. */
    private boolean holdsEveryRule(MeterRecord record) {
        if (!nameLength(record.customerId()) || hasControl(record.customerId())
                || !nameLength(record.meterApiName()) || hasControl(record.meterApiName())
                || !finiteDecimal(record.meterValue())
                || record.meterTimeInMillis() <= 0 || record.meterTimeInMillis() > latest()
                || record.dimensions().size() > MAX_DIMENSIONS
                || (record.uniqueId() != null && !nameLength(record.uniqueId()))) {
            return false;
        }
        for (Map.Entry<String, String> entry : record.dimensions().entrySet()) {
            if (!dimensionKeyLength(entry.getKey()) || length(entry.getValue()) > MAX_DIMENSION_VALUE_LENGTH) {
                return false;
            }
        }
        return true;
    }

    private static int length(String value) {
        return value.codePointCount(0, value.length());
    }

    private static boolean nameLength(String value) {
        int length = length(value);
        return length >= 1 && length <= MAX_NAME_LENGTH;
    }

    private static boolean dimensionKeyLength(String key) {
        int length = length(key);
        return length >= 1 && length <= MAX_DIMENSION_KEY_LENGTH;
    }

    /** Character.isISOControl for every code point; controls are all in the BMP, so chars will do. */
    private static boolean hasControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                return true;
            }
        }
        return false;
    }

    /** finite means within double range; bounded decimal places keep exact sums bounded (1e-999999 + 1 has a million digits) */
    private static boolean finiteDecimal(BigDecimal value) {
        return !Double.isInfinite(value.doubleValue()) && value.scale() <= MAX_DECIMAL_PLACES;
    }

    private long latest() {
        return clock.millis() + maxFuture.toMillis();
    }

    private static String name(JsonNode json, String field, List<String> reasons) {
        JsonNode node = json.get(field);
        if (absent(node)) {
            reasons.add(field + ": is required");
            return null;
        }
        if (!node.isTextual()) {
            reasons.add(field + ": must be a string, was " + show(node));
            return null;
        }
        String value = node.textValue();
        if (!nameLength(value)) {
            reasons.add(field + ": must be 1.." + MAX_NAME_LENGTH + " characters, was " + length(value));
        }
        if (hasControl(value)) {
            reasons.add(field + ": must not contain control characters, was " + show(node));
        }
        return value;
    }

    private static BigDecimal meterValue(JsonNode json, List<String> reasons) {
        JsonNode node = json.get("meterValue");
        if (absent(node)) {
            reasons.add("meterValue: is required");
            return null;
        }
        if (!node.isNumber()) {
            reasons.add("meterValue: must be a finite number, was " + show(node));
            return null;
        }
        BigDecimal value = node.decimalValue(); // exact
        if (!finiteDecimal(value)) {
            reasons.add("meterValue: must be a finite number of at most " + MAX_DECIMAL_PLACES
                    + " decimal places, was " + show(node));
            return null;
        }
        return value;
    }

    private long meterTime(JsonNode json, List<String> reasons) {
        JsonNode node = json.get("meterTimeInMillis");
        if (absent(node)) {
            reasons.add("meterTimeInMillis: is required");
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            reasons.add("meterTimeInMillis: must be an integer of epoch milliseconds, was " + show(node));
            return 0;
        }
        long millis = node.longValue();
        if (millis <= 0) {
            reasons.add("meterTimeInMillis: must be > 0, was " + millis);
            return 0;
        }
        if (millis > latest()) {
            reasons.add("meterTimeInMillis: must not be later than now + " + maxFuture + ", was " + millis
                    + " (" + Instant.ofEpochMilli(millis) + ")");
        }
        return millis;
    }

    private static SortedMap<String, String> dimensions(JsonNode json, List<String> reasons) {
        SortedMap<String, String> dimensions = new TreeMap<>();
        JsonNode node = json.get("dimensions");
        if (absent(node)) {
            return dimensions;
        }
        if (!node.isObject()) {
            reasons.add("dimensions: must be an object of string to string, was " + show(node));
            return dimensions;
        }
        if (node.size() > MAX_DIMENSIONS) {
            reasons.add("dimensions: must have at most " + MAX_DIMENSIONS + " entries, was " + node.size());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            if (!dimensionKeyLength(key)) {
                reasons.add("dimensions: key must be 1.." + MAX_DIMENSION_KEY_LENGTH + " characters, was "
                        + length(key) + " (" + quote(key) + ")");
            }
            JsonNode value = entry.getValue();
            if (!value.isTextual()) {
                reasons.add(dimension(key) + ": must be a string, was " + show(value));
                continue;
            }
            String text = value.textValue();
            if (length(text) > MAX_DIMENSION_VALUE_LENGTH) {
                reasons.add(dimension(key) + ": must be 0.." + MAX_DIMENSION_VALUE_LENGTH
                        + " characters, was " + length(text));
            }
            dimensions.put(key, text);
        }
        return dimensions;
    }

    private static String uniqueId(JsonNode json, List<String> reasons) {
        JsonNode node = json.get("uniqueId");
        if (absent(node)) {
            return null;
        }
        if (!node.isTextual()) {
            reasons.add("uniqueId: must be a string, was " + show(node));
            return null;
        }
        String value = node.textValue();
        if (!nameLength(value)) {
            reasons.add("uniqueId: must be 1.." + MAX_NAME_LENGTH + " characters, was " + length(value));
        }
        return value;
    }

    /** {@code dimensions.az}, or {@code dimensions["odd key"]} (JSON-escaped) when the key is not a plain name. */
    private static String dimension(String key) {
        return key.matches("[A-Za-z0-9_-]{1,128}") ? "dimensions." + key : "dimensions[" + quote(key) + "]";
    }

    /** A missing field and an explicit JSON null both count as absent. */
    private static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    /** The value as JSON text, shortened: reasons stay one readable line whatever the producer sent. */
    private static String show(JsonNode node) {
        String text = node.toString();
        return text.length() <= MAX_SHOWN_VALUE ? text : text.substring(0, MAX_SHOWN_VALUE) + "...";
    }

    private static String quote(String text) {
        return show(com.fasterxml.jackson.databind.node.TextNode.valueOf(text));
    }
}
