package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The contract's record rules, each stated once: a field's name, whether it is required, its JSON
 * type, its limits and the reason text of each broken rule. {@link FieldReader} reads tokens by the
 * names and types; {@link RecordValidator} checks the values of either reading by the limits.
 *
 * <p>A check takes the value already read and a list to add the reason to; a null list only asks
 * whether the rule holds (the field reader's records: they are read again as a tree when one fails).
 */
enum RecordField {
    //                   JSON name                      required  JSON type
    CUSTOMER_ID(         Names.CUSTOMER_ID,             true, FieldType.STRING),
    METER_API_NAME(      Names.METER_API_NAME,          true, FieldType.STRING),
    METER_VALUE(         Names.METER_VALUE,             true, FieldType.NUMBER),
    METER_TIME_IN_MILLIS(Names.METER_TIME_IN_MILLIS,    true, FieldType.EPOCH_MILLIS),
    DIMENSIONS(          Names.DIMENSIONS,             false, FieldType.STRING_MAP),
    UNIQUE_ID(           Names.UNIQUE_ID,              false, FieldType.STRING);

    /** The JSON names as constants, so that {@link FieldReader} can switch on them (faster than a map lookup). */
    interface Names {
        String CUSTOMER_ID = "customerId";
        String METER_API_NAME = "meterApiName";
        String METER_VALUE = "meterValue";
        String METER_TIME_IN_MILLIS = "meterTimeInMillis";
        String DIMENSIONS = "dimensions";
        String UNIQUE_ID = "uniqueId";
    }

    static final int MAX_NAME_LENGTH = 256;
    static final int MAX_DIMENSIONS = 64;
    static final int MAX_DIMENSION_KEY_LENGTH = 128;
    static final int MAX_DIMENSION_VALUE_LENGTH = 1024;
    static final int MAX_DECIMAL_PLACES = 50;
    private static final int MAX_SHOWN_VALUE = 80;

    /** every field, in the order reasons are given */
    static final RecordField[] ALL = values();
    /** {@link #bit}s of the required fields */
    static final int REQUIRED_BITS;

    static {
        int required = 0;
        for (RecordField field : ALL) {
            required |= field.required ? field.bit : 0;
        }
        REQUIRED_BITS = required;
    }

    final String json;
    final boolean required;
    final FieldType type;
    /** one bit a field, so a reader can note which it has seen without a set */
    final int bit = 1 << ordinal();

    RecordField(String json, boolean required, FieldType type) {
        this.json = json;
        this.required = required;
        this.type = type;
    }

    String absent() {
        return json + ": is required";
    }

    String mistyped(JsonNode node) {
        return mistyped(json, type, node);
    }

    static String notAnObject(JsonNode record) {
        return "record: must be a JSON object, was " + show(record);
    }

    /**
     * This field's value rules, for a value already read as its type ({@link #valueOf} a record's, or
     * {@link FieldType#read} a tree node's): the one place that says which rule each field has, so both
     * readings apply the same. A dimension's value is a String or, from a tree, a node of another type.
     */
    boolean holdsValue(Object value, long latest, Duration maxFuture, List<String> reasons) {
        return switch (this) {
            case CUSTOMER_ID, METER_API_NAME, UNIQUE_ID -> holdsText((String) value, reasons);
            case METER_VALUE -> holdsMeterValue((BigDecimal) value, reasons);
            case METER_TIME_IN_MILLIS -> holdsMeterTime((Long) value, latest, maxFuture, reasons);
            case DIMENSIONS -> holdsDimensions((Map<?, ?>) value, reasons);
        };
    }

    /** This field of a record read straight into its fields; null when it has none (no uniqueId). */
    Object valueOf(MeterRecord record) {
        return switch (this) {
            case CUSTOMER_ID -> record.customerId();
            case METER_API_NAME -> record.meterApiName();
            case METER_VALUE -> record.meterValue();
            case METER_TIME_IN_MILLIS -> record.meterTimeInMillis();
            case DIMENSIONS -> record.dimensions();
            case UNIQUE_ID -> record.uniqueId();
        };
    }

    /** dimensions: the count, then per entry its key, and its value's type and length. */
    private static boolean holdsDimensions(Map<?, ?> dimensions, List<String> reasons) {
        boolean holds = holdsDimensionCount(dimensions.size(), reasons);
        for (Map.Entry<?, ?> entry : dimensions.entrySet()) {
            if (!holds && reasons == null) {
                return false;
            }
            String key = (String) entry.getKey();
            holds &= holdsDimensionKey(key, reasons);
            holds &= entry.getValue() instanceof String text
                    ? holdsDimensionValue(key, text, reasons)
                    : broken(reasons, dimensionMistyped(key, (JsonNode) entry.getValue()));
        }
        return holds;
    }

    /** customerId, meterApiName: 1..256 characters, no control characters; uniqueId: 1..256 characters. */
    boolean holdsText(String text, List<String> reasons) {
        int length = length(text);
        boolean holds = length >= 1 && length <= MAX_NAME_LENGTH
                || broken(reasons, json + ": must be 1.." + MAX_NAME_LENGTH + " characters, was " + length);
        // the contract forbids control characters in the two names only, not in a uniqueId
        if (this != UNIQUE_ID && hasControl(text)) {
            holds = broken(reasons, json + ": must not contain control characters, was " + quote(text));
        }
        return holds;
    }

    /** meterValue: finite means within double range; bounded decimal places keep exact sums bounded (1e-999999 + 1 has a million digits). */
    static boolean holdsMeterValue(BigDecimal value, List<String> reasons) {
        return !Double.isInfinite(value.doubleValue()) && value.scale() <= MAX_DECIMAL_PLACES
                || broken(reasons, METER_VALUE.json + ": must be a finite number of at most " + MAX_DECIMAL_PLACES
                        + " decimal places, was " + shorten(value.toString())); // the text Jackson writes for the number
    }

    /** meterTimeInMillis: > 0 and not later than {@code latest}, which is now + {@code maxFuture}. */
    static boolean holdsMeterTime(long millis, long latest, Duration maxFuture, List<String> reasons) {
        if (millis <= 0) {
            return broken(reasons, METER_TIME_IN_MILLIS.json + ": must be > 0, was " + millis);
        }
        return millis <= latest || broken(reasons, METER_TIME_IN_MILLIS.json + ": must not be later than now + "
                + maxFuture + ", was " + millis + " (" + Instant.ofEpochMilli(millis) + ")");
    }

    static boolean holdsDimensionCount(int entries, List<String> reasons) {
        return entries <= MAX_DIMENSIONS
                || broken(reasons, DIMENSIONS.json + ": must have at most " + MAX_DIMENSIONS + " entries, was " + entries);
    }

    static boolean holdsDimensionKey(String key, List<String> reasons) {
        int length = length(key);
        return length >= 1 && length <= MAX_DIMENSION_KEY_LENGTH
                || broken(reasons, DIMENSIONS.json + ": key must be 1.." + MAX_DIMENSION_KEY_LENGTH + " characters, was "
                        + length + " (" + quote(key) + ")");
    }

    static boolean holdsDimensionValue(String key, String value, List<String> reasons) {
        int length = length(value);
        return length <= MAX_DIMENSION_VALUE_LENGTH
                || broken(reasons, dimension(key) + ": must be 0.." + MAX_DIMENSION_VALUE_LENGTH + " characters, was " + length);
    }

    /** A dimension value that is not a string. */
    private static String dimensionMistyped(String key, JsonNode value) {
        return mistyped(dimension(key), FieldType.STRING, value);
    }

    private static String mistyped(String label, FieldType type, JsonNode node) {
        return label + ": " + type.rule + ", was " + show(node);
    }

    /** Adds the reason when asked for reasons; false either way, so a check reads {@code holds || broken(...)}. */
    private static boolean broken(List<String> reasons, String reason) {
        if (reasons != null) {
            reasons.add(reason);
        }
        return false;
    }

    /** Lengths are in characters (code points): 256 emoji are 512 UTF-16 units but allowed. */
    private static int length(String value) {
        return value.codePointCount(0, value.length());
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

    /** {@code dimensions.az}, or {@code dimensions["odd key"]} (JSON-escaped) when the key is not a plain name. */
    private static String dimension(String key) {
        return key.matches("[A-Za-z0-9_-]{1,128}") ? DIMENSIONS.json + "." + key : DIMENSIONS.json + "[" + quote(key) + "]";
    }

    /** The value as JSON text, shortened: reasons stay one readable line whatever the producer sent. */
    private static String show(JsonNode node) {
        return shorten(node.toString());
    }

    private static String quote(String text) {
        return show(TextNode.valueOf(text));
    }

    private static String shorten(String text) {
        return text.length() <= MAX_SHOWN_VALUE ? text : text.substring(0, MAX_SHOWN_VALUE) + "...";
    }
}
