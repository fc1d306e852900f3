package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordValidatorTest {

    private static final Instant NOW = Instant.parse("2026-11-21T20:00:00Z");
    private final RecordValidator validator =
            new RecordValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1));
    private final RecordSplitter codec = new RecordSplitter();

    private RecordOutcome validate(String json) {
        return validator.validate(codec.split(json).next());
    }

    private static String record(String customerId, String meterApiName, String meterValue, String time, String extra) {
        StringBuilder b = new StringBuilder("{");
        if (customerId != null) b.append("\"customerId\":").append(customerId).append(',');
        if (meterApiName != null) b.append("\"meterApiName\":").append(meterApiName).append(',');
        if (meterValue != null) b.append("\"meterValue\":").append(meterValue).append(',');
        if (time != null) b.append("\"meterTimeInMillis\":").append(time).append(',');
        if (extra != null) b.append(extra).append(',');
        b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private static String valid(String extra) {
        return record("\"customer-123\"", "\"ComputeHours\"", "5", "1619445706909", extra);
    }

    private List<String> reasons(String json) {
        RecordOutcome outcome = validate(json);
        assertFalse(outcome.isAccepted(), json);
        return outcome.reasons();
    }

    @Test
    void accepts_a_complete_record_with_exact_values() {
        RecordOutcome outcome = validate(valid("\"dimensions\":{\"region\":\"us-west-2\",\"az\":\"az1\"},\"uniqueId\":\"u-1\",\"other\":[1]"));
        assertTrue(outcome.isAccepted());
        MeterRecord r = outcome.record();
        assertEquals("customer-123", r.customerId());
        assertEquals("ComputeHours", r.meterApiName());
        assertEquals(new BigDecimal("5"), r.meterValue());
        assertEquals(1619445706909L, r.meterTimeInMillis());
        assertEquals(List.of("az", "region"), List.copyOf(r.dimensions().keySet()));
        assertEquals("u-1", r.uniqueId());
        assertEquals(List.of(), outcome.reasons());
    }

    @Test
    void accepts_decimals_zero_and_negative_values_exactly() {
        assertEquals(new BigDecimal("0.1"), validate(record("\"c\"", "\"m\"", "0.1", "1", null)).record().meterValue());
        assertEquals(new BigDecimal("-2.50"), validate(record("\"c\"", "\"m\"", "-2.50", "1", null)).record().meterValue());
        assertEquals(BigDecimal.ZERO, validate(record("\"c\"", "\"m\"", "0", "1", null)).record().meterValue());
        assertEquals(new BigDecimal("1E+300"), validate(record("\"c\"", "\"m\"", "1e300", "1", null)).record().meterValue());
    }

    @Test
    void rejects_record_without_customer_id() {
        assertEquals(List.of("customerId: is required"), reasons(record(null, "\"m\"", "1", "1", null)));
        assertEquals(List.of("customerId: is required"), reasons(record("null", "\"m\"", "1", "1", null)));
    }

    @Test
    void rejects_customer_id_of_wrong_type_length_or_with_control_characters() {
        assertEquals(List.of("customerId: must be a string, was 123"), reasons(record("123", "\"m\"", "1", "1", null)));
        assertEquals(List.of("customerId: must be 1..256 characters, was 0"), reasons(record("\"\"", "\"m\"", "1", "1", null)));
        assertEquals(List.of("customerId: must be 1..256 characters, was 257"),
                reasons(record("\"" + "x".repeat(257) + "\"", "\"m\"", "1", "1", null)));
        assertTrue(validate(record("\"" + "x".repeat(256) + "\"", "\"m\"", "1", "1", null)).isAccepted());
        assertEquals(List.of("customerId: must not contain control characters, was \"a\\nb\""),
                reasons(record("\"a\\nb\"", "\"m\"", "1", "1", null)));
        // 256 characters counted as code points: 256 emoji are 512 UTF-16 units but allowed
        assertTrue(validate(record("\"" + "\uD83D\uDE00".repeat(256) + "\"", "\"m\"", "1", "1", null)).isAccepted());
    }

    @Test
    void rejects_meter_api_name_by_the_same_rules() {
        assertEquals(List.of("meterApiName: is required"), reasons(record("\"c\"", null, "1", "1", null)));
        assertEquals(List.of("meterApiName: must be a string, was true"), reasons(record("\"c\"", "true", "1", "1", null)));
        assertEquals(List.of("meterApiName: must be 1..256 characters, was 0"), reasons(record("\"c\"", "\"\"", "1", "1", null)));
        assertEquals(List.of("meterApiName: must not contain control characters, was \"a\\u0000\""),
                reasons(record("\"c\"", "\"a\\u0000\"", "1", "1", null)));
    }

    @Test
    void rejects_meter_value_that_is_missing_or_not_a_number() {
        assertEquals(List.of("meterValue: is required"), reasons(record("\"c\"", "\"m\"", null, "1", null)));
        assertEquals(List.of("meterValue: must be a finite number, was \"5\""), reasons(record("\"c\"", "\"m\"", "\"5\"", "1", null)));
        assertEquals(List.of("meterValue: must be a finite number, was \"NaN\""), reasons(record("\"c\"", "\"m\"", "\"NaN\"", "1", null)));
        assertEquals(List.of("meterValue: must be a finite number, was {}"), reasons(record("\"c\"", "\"m\"", "{}", "1", null)));
    }

    @Test
    void rejects_meter_values_beyond_double_range_or_with_unbounded_decimals() {
        assertEquals(List.of("meterValue: must be a finite number of at most 50 decimal places, was 1E+400"),
                reasons(record("\"c\"", "\"m\"", "1e400", "1", null)));
        assertEquals(List.of("meterValue: must be a finite number of at most 50 decimal places, was 1E-999999"),
                reasons(record("\"c\"", "\"m\"", "1e-999999", "1", null)));
        assertTrue(validate(record("\"c\"", "\"m\"", "0." + "1".repeat(50), "1", null)).isAccepted());
    }

    @Test
    void rejects_bare_nan_and_infinity_as_not_json() {
        RecordOutcome outcome = validate(record("\"c\"", "\"m\"", "NaN", "1", null));
        assertFalse(outcome.isAccepted());
        assertTrue(outcome.reasons().get(0).startsWith("record: not valid JSON"), outcome.reasons().toString());
        assertFalse(validate(record("\"c\"", "\"m\"", "Infinity", "1", null)).isAccepted());
    }

    @Test
    void rejects_meter_time_that_is_missing_not_an_integer_or_not_positive() {
        assertEquals(List.of("meterTimeInMillis: is required"), reasons(record("\"c\"", "\"m\"", "1", null, null)));
        assertEquals(List.of("meterTimeInMillis: must be an integer of epoch milliseconds, was 1.5"),
                reasons(record("\"c\"", "\"m\"", "1", "1.5", null)));
        assertEquals(List.of("meterTimeInMillis: must be an integer of epoch milliseconds, was \"1619445706909\""),
                reasons(record("\"c\"", "\"m\"", "1", "\"1619445706909\"", null)));
        assertEquals(List.of("meterTimeInMillis: must be an integer of epoch milliseconds, was 99999999999999999999"),
                reasons(record("\"c\"", "\"m\"", "1", "99999999999999999999", null)));
        assertEquals(List.of("meterTimeInMillis: must be > 0, was 0"), reasons(record("\"c\"", "\"m\"", "1", "0", null)));
        assertEquals(List.of("meterTimeInMillis: must be > 0, was -5"), reasons(record("\"c\"", "\"m\"", "1", "-5", null)));
    }

    @Test
    void rejects_meter_time_later_than_now_plus_max_future() {
        long limit = NOW.plus(Duration.ofHours(1)).toEpochMilli();
        assertTrue(validate(record("\"c\"", "\"m\"", "1", String.valueOf(limit), null)).isAccepted());
        assertEquals(List.of("meterTimeInMillis: must not be later than now + PT1H, was " + (limit + 1)
                        + " (2026-11-21T21:00:00.001Z)"),
                reasons(record("\"c\"", "\"m\"", "1", String.valueOf(limit + 1), null)));
    }

    @Test
    void accepts_missing_or_null_dimensions_as_none() {
        assertEquals(Map.of(), validate(valid(null)).record().dimensions());
        assertEquals(Map.of(), validate(valid("\"dimensions\":null")).record().dimensions());
        assertEquals(Map.of("k", ""), validate(valid("\"dimensions\":{\"k\":\"\"}")).record().dimensions());
    }

    @Test
    void rejects_dimensions_that_break_their_rules() {
        assertEquals(List.of("dimensions: must be an object of string to string, was [\"a\"]"),
                reasons(valid("\"dimensions\":[\"a\"]")));
        assertEquals(List.of("dimensions.az: must be a string, was 1"), reasons(valid("\"dimensions\":{\"az\":1}")));
        assertEquals(List.of("dimensions[\"a: b\\n\"]: must be a string, was 1"),
                reasons(valid("\"dimensions\":{\"a: b\\n\":1}")));
        assertEquals(List.of("dimensions: key must be 1..128 characters, was 0 (\"\")"),
                reasons(valid("\"dimensions\":{\"\":\"v\"}")));
        String longKey = "k".repeat(129);
        assertEquals(List.of("dimensions: key must be 1..128 characters, was 129 (\"" + "k".repeat(79) + "...)"),
                reasons(valid("\"dimensions\":{\"" + longKey + "\":\"v\"}")));
        assertEquals(List.of("dimensions.k: must be 0..1024 characters, was 1025"),
                reasons(valid("\"dimensions\":{\"k\":\"" + "v".repeat(1025) + "\"}")));
        assertTrue(validate(valid("\"dimensions\":{\"k\":\"" + "v".repeat(1024) + "\"}")).isAccepted());
    }

    @Test
    void allows_64_dimensions_and_rejects_65() {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            dims.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        assertEquals(List.of("dimensions: must have at most 64 entries, was 65"),
                reasons(valid("\"dimensions\":{" + dims + "}")));
        String sixtyFour = dims.substring(0, dims.lastIndexOf(","));
        assertTrue(validate(valid("\"dimensions\":{" + sixtyFour + "}")).isAccepted());
    }

    @Test
    void rejects_unique_id_of_wrong_type_or_length() {
        assertEquals(List.of("uniqueId: must be a string, was 7"), reasons(valid("\"uniqueId\":7")));
        assertEquals(List.of("uniqueId: must be 1..256 characters, was 0"), reasons(valid("\"uniqueId\":\"\"")));
        assertEquals(List.of("uniqueId: must be 1..256 characters, was 257"),
                reasons(valid("\"uniqueId\":\"" + "u".repeat(257) + "\"")));
        assertNull(validate(valid("\"uniqueId\":null")).record().uniqueId());
    }

    @Test
    void collects_every_reason_of_a_record() {
        assertEquals(List.of(
                        "customerId: is required",
                        "meterApiName: must be a string, was 5",
                        "meterValue: must be a finite number, was \"x\"",
                        "meterTimeInMillis: must be > 0, was -1",
                        "dimensions.a: must be a string, was null",
                        "uniqueId: must be 1..256 characters, was 0"),
                reasons(record(null, "5", "\"x\"", "-1", "\"dimensions\":{\"a\":null},\"uniqueId\":\"\"")));
    }

    @Test
    void rejects_values_that_are_not_objects() {
        RecordSplitter.class.getName();
        RecordOutcome outcome = validator.validate(codec.split("[5]").next());
        assertEquals(List.of("record: must be a JSON object, was 5"), outcome.reasons());
        assertEquals(List.of("record: must be a JSON object, was [1,2]"),
                validator.validate(codec.split("[[1,2]]").next()).reasons());
    }

    @Test
    void an_unreadable_item_is_rejected_with_its_parse_error() {
        RecordOutcome outcome = validate("{oops");
        assertFalse(outcome.isAccepted());
        assertEquals("{oops", outcome.raw());
        assertTrue(outcome.reasons().get(0).startsWith("record: not valid JSON"));
    }
}
