package io.meteringest.record;

import static io.meteringest.record.Splits.split;
import static io.meteringest.record.Splits.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The field reader: common records read straight into their fields, anything else left to the tree reading, with the same outcomes. */
class FieldReaderTest {

    @Test
    void a_common_record_is_read_straight_into_its_fields_and_can_still_be_had_as_a_tree() {
        List<RecordItem> items = split("\n{\"uniqueId\":\"u-1\",\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":0.10,"
                + "\"meterTimeInMillis\":1700000000000,\"dimensions\":{\"z\":\"1\",\"a\":\"\u00e4\"}}\n");
        RecordItem item = items.get(0);
        assertEquals(new MeterRecord("c", "m", new BigDecimal("0.10"), 1_700_000_000_000L,
                new TreeMap<>(Map.of("a", "\u00e4", "z", "1")), "u-1"), item.fields());
        assertEquals("0.10", item.fields().meterValue().toString(), "the scale the producer wrote");
        assertNull(item.json());
        RecordItem asTree = item.asTree().get();
        assertEquals(List.of(0, 2), List.of(asTree.index(), asTree.line()));
        assertEquals("\u00e4", asTree.json().get("dimensions").get("a").textValue());
    }

    @Test
    void anything_but_the_common_shape_is_read_as_a_tree() {
        String common = "\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1,\"meterTimeInMillis\":1";
        List<String> unusual = List.of(
                "{" + common + ",\"extra\":1}",                          // a field the contract does not know
                "{" + common + ",\"uniqueId\":null}",                    // null: absent, as the tree reads it
                "{" + common + ",\"meterValue\":2}",                     // a repeated field
                "{" + common + ",\"dimensions\":{\"a\":\"1\",\"a\":\"2\"}}", // a repeated dimension
                "{" + common + ",\"dimensions\":{\"a\":1}}",             // a dimension of another type
                "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":\"1\",\"meterTimeInMillis\":1}",
                "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1,\"meterTimeInMillis\":1.0}",
                "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1,\"meterTimeInMillis\":99999999999999999999}",
                "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1}",   // a required field missing
                "{" + common + "} {}",                                    // more after the object
                "[{" + common + "}]");
        for (String line : unusual) {
            RecordItem item = split(line).get(0);
            assertNull(item.fields(), line);
            assertTrue(item.json() != null || item.error() != null, line);
        }
    }

    @Test
    void a_body_read_into_fields_line_by_line_gives_what_the_tree_reading_gives() {
        String ok = "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1.5,\"meterTimeInMillis\":5}";
        RecordValidator validator = new RecordValidator(java.time.Clock.systemUTC(), java.time.Duration.ofHours(1));
        // common lines (blank, CRLF and padded ones too), then one that is not, then common ones again
        for (String odd : List.of(ok + " " + ok, ok + " ]", ok.replace("}", ",\"x\":1}"), "{\"customerId\":\"\"," + ok.substring(1), "[]")) {
            String body = String.join("\n", "  " + ok + "  ", "", ok + "\r", "\t" + ok, odd, ok, ok.replace("1.5", "-2"), ok);
            sameOutcomes(validator, body);
        }
    }

    private void sameOutcomes(RecordValidator validator, String body) {
        List<RecordItem> fields = split(body);
        List<RecordItem> trees = new ArrayList<>();
        new RecordSplitter(new RecordJson(), false).split(body.getBytes(StandardCharsets.UTF_8)).forEachRemaining(trees::add);
        assertEquals(trees.size(), fields.size());
        assertTrue(fields.stream().filter(i -> i.fields() != null).count() >= 5, "the common lines were read into fields");
        for (int i = 0; i < trees.size(); i++) {
            RecordOutcome expected = validator.validate(trees.get(i));
            RecordOutcome actual = validator.validate(fields.get(i));
            assertEquals(java.util.Arrays.asList(expected.index(), expected.line(), expected.record(), expected.reasons()),
                    java.util.Arrays.asList(actual.index(), actual.line(), actual.record(), actual.reasons()), "item " + i);
        }
    }
}
