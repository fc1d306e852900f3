package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The rule table names the contract's fields, in the order reasons are given, with their presence and type; a type reads alike on tokens and trees. */
class RecordFieldTest {

    @Test
    void lists_the_contract_fields_in_reason_order() {
        assertEquals(List.of("customerId", "meterApiName", "meterValue", "meterTimeInMillis", "dimensions", "uniqueId"),
                Arrays.stream(RecordField.ALL).map(f -> f.json).toList());
        assertEquals(List.of("customerId", "meterApiName", "meterValue", "meterTimeInMillis"),
                Arrays.stream(RecordField.ALL).filter(f -> f.required).map(f -> f.json).toList());
    }

    @Test
    void required_bits_are_those_of_the_required_fields() {
        int bits = 0;
        for (RecordField field : RecordField.ALL) {
            assertEquals(0, bits & field.bit, "one bit a field: " + field);
            bits |= field.bit;
        }
        assertEquals(RecordField.CUSTOMER_ID.bit | RecordField.METER_API_NAME.bit | RecordField.METER_VALUE.bit
                | RecordField.METER_TIME_IN_MILLIS.bit, RecordField.REQUIRED_BITS);
    }

    @Test
    void a_type_takes_a_value_by_its_first_token_as_by_its_tree_node() throws Exception {
        RecordJson json = new RecordJson();
        for (String value : List.of("\"s\"", "\"\"", "1", "-1.5", "1e400", "9223372036854775807", "true", "null",
                "{}", "{\"a\":\"b\"}", "[]", "[1]")) {
            JsonNode node = json.mapper().readTree(value);
            JsonToken token;
            try (JsonParser parser = json.fieldsFactory().createParser(value)) {
                token = parser.nextToken();
            }
            for (FieldType type : FieldType.values()) {
                assertEquals(type.of(node), type.of(token), type + " of " + value);
            }
        }
        // beyond long range the token passes EPOCH_MILLIS and the node does not: FieldReader's getLongValue
        // fails such a record (FieldReaderTest), so both readings still agree
        assertTrue(FieldType.EPOCH_MILLIS.of(JsonToken.VALUE_NUMBER_INT));
        assertFalse(FieldType.EPOCH_MILLIS.of(json.mapper().readTree("99999999999999999999")));
    }

    @Test
    void a_check_gives_the_same_verdict_whether_asked_for_reasons_or_not() {
        for (String text : List.of("", "c", "x".repeat(256), "x".repeat(257), "a\nb", "\u0085", "\uD83D\uDE00")) {
            for (RecordField field : List.of(RecordField.CUSTOMER_ID, RecordField.METER_API_NAME, RecordField.UNIQUE_ID)) {
                sameVerdict(reasons -> field.holdsText(text, reasons));
            }
            sameVerdict(reasons -> RecordField.holdsDimensionKey(text, reasons));
            sameVerdict(reasons -> RecordField.holdsDimensionValue("k", text.repeat(5), reasons));
        }
        for (String value : List.of("0", "-2.50", "1E+400", "1E-50", "1E-51")) {
            sameVerdict(reasons -> RecordField.holdsMeterValue(new BigDecimal(value), reasons));
        }
        for (long millis : new long[] {-1, 0, 1, 99, 100, 101}) {
            sameVerdict(reasons -> RecordField.holdsMeterTime(millis, 100, Duration.ofHours(1), reasons));
        }
        for (int entries : new int[] {0, 64, 65}) {
            sameVerdict(reasons -> RecordField.holdsDimensionCount(entries, reasons));
        }
    }

    /** the check holds without a list exactly when it gives no reason with one */
    private static void sameVerdict(Predicate<List<String>> check) {
        List<String> reasons = new ArrayList<>();
        boolean holds = check.test(reasons);
        assertEquals(holds, check.test(null));
        assertEquals(holds, reasons.isEmpty(), reasons.toString());
        assertTrue(reasons.size() <= 2, "at most a length and a control reason: " + reasons);
    }
}
