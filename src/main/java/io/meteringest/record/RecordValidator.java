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
        int length = value.codePointCount(0, value.length());
        if (length < 1 || length > MAX_NAME_LENGTH) {
            reasons.add(field + ": must be 1.." + MAX_NAME_LENGTH + " characters, was " + length);
        }
        if (value.codePoints().anyMatch(Character::isISOControl)) {
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
        // read exactly (BigDecimal); finite means within double range, and the decimal places are
        // bounded so that exact sums cannot grow without limit (1e-999999 + 1 has a million digits)
        BigDecimal value = node.decimalValue();
        if (Double.isInfinite(value.doubleValue()) || value.scale() > MAX_DECIMAL_PLACES) {
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
        Instant latest = clock.instant().plus(maxFuture);
        if (millis > latest.toEpochMilli()) {
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
            int keyLength = key.codePointCount(0, key.length());
            if (keyLength < 1 || keyLength > MAX_DIMENSION_KEY_LENGTH) {
                reasons.add("dimensions: key must be 1.." + MAX_DIMENSION_KEY_LENGTH + " characters, was "
                        + keyLength + " (" + quote(key) + ")");
            }
            JsonNode value = entry.getValue();
            if (!value.isTextual()) {
                reasons.add(dimension(key) + ": must be a string, was " + show(value));
                continue;
            }
            String text = value.textValue();
            int length = text.codePointCount(0, text.length());
            if (length > MAX_DIMENSION_VALUE_LENGTH) {
                reasons.add(dimension(key) + ": must be 0.." + MAX_DIMENSION_VALUE_LENGTH
                        + " characters, was " + length);
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
        int length = value.codePointCount(0, value.length());
        if (length < 1 || length > MAX_NAME_LENGTH) {
            reasons.add("uniqueId: must be 1.." + MAX_NAME_LENGTH + " characters, was " + length);
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
