package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MeterRecordCodecTest {

    private static final String REC = "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1,\"meterTimeInMillis\":1}";
    private final MeterRecordCodec codec = new MeterRecordCodec();

    /** Splits the body in memory and, as an Extended Client payload is, streamed from a file: both must agree. */
    private List<RecordItem> split(String body) {
        return split(body.getBytes(StandardCharsets.UTF_8));
    }

    private List<RecordItem> split(byte[] body) {
        List<RecordItem> items = new ArrayList<>();
        codec.split(body).forEachRemaining(items::add);
        assertEquals(items, splitFile(body), "the same body split from a file");
        return items;
    }

    private List<RecordItem> splitFile(byte[] body) {
        try {
            Path file = Files.createTempFile("codec-test-", ".body");
            try {
                Files.write(file, body);
                List<RecordItem> items = new ArrayList<>();
                codec.split(file.toFile()).forEachRemaining(items::add);
                return items;
            } finally {
                Files.delete(file);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The record as a tree, whether the codec read it into its fields or as a tree already. */
    private static JsonNode tree(RecordItem item) {
        return item.fields() != null ? item.asTree().get().json() : item.json();
    }

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
        new MeterRecordCodec(false).split(body.getBytes(StandardCharsets.UTF_8)).forEachRemaining(trees::add);
        assertEquals(trees.size(), fields.size());
        assertTrue(fields.stream().filter(i -> i.fields() != null).count() >= 5, "the common lines were read into fields");
        for (int i = 0; i < trees.size(); i++) {
            RecordOutcome expected = validator.validate(trees.get(i));
            RecordOutcome actual = validator.validate(fields.get(i));
            assertEquals(java.util.Arrays.asList(expected.index(), expected.line(), expected.record(), expected.reasons()),
                    java.util.Arrays.asList(actual.index(), actual.line(), actual.record(), actual.reasons()), "item " + i);
        }
    }

    @Test
    void splits_the_reference_array_sample() throws Exception {
        List<RecordItem> items = split(Files.readString(Path.of("samples/compute-hours-array.json")));
        assertEquals(1, items.size());
        assertEquals(0, items.get(0).index());
        assertNull(items.get(0).line());
        assertEquals("us-west-2", tree(items.get(0)).get("dimensions").get("region").textValue());
    }

    @Test
    void splits_the_reference_ndjson_sample_with_line_numbers() throws Exception {
        List<RecordItem> items = split(Files.readString(Path.of("samples/compute-hours.ndjson")));
        assertEquals(3, items.size());
        assertEquals(List.of(0, 1, 2), items.stream().map(RecordItem::index).toList());
        assertEquals(List.of(1, 2, 3), items.stream().map(RecordItem::line).toList());
        assertEquals("customer-321", tree(items.get(1)).get("customerId").textValue());
    }

    @Test
    void reads_a_single_object_as_one_record() {
        List<RecordItem> items = split(REC);
        assertEquals(1, items.size());
        assertEquals(1, items.get(0).line());
    }

    @Test
    void skips_blank_lines_and_handles_crlf_keeping_line_numbers() {
        List<RecordItem> items = split("\r\n" + REC + "\r\n   \r\n\t\r\n" + REC + "\r\n\r\n");
        assertEquals(2, items.size());
        assertEquals(List.of(2, 5), items.stream().map(RecordItem::line).toList());
        assertTrue(items.stream().allMatch(i -> tree(i) != null));
    }

    @Test
    void ignores_a_utf8_byte_order_mark() {
        byte[] body = ("\uFEFF" + REC).getBytes(StandardCharsets.UTF_8);
        List<RecordItem> items = new ArrayList<>();
        codec.split(body).forEachRemaining(items::add);
        assertEquals(1, items.size());
        assertEquals("c", tree(items.get(0)).get("customerId").textValue());

        List<RecordItem> array = new ArrayList<>();
        codec.split(("\uFEFF[" + REC + "]").getBytes(StandardCharsets.UTF_8)).forEachRemaining(array::add);
        assertEquals(1, array.size());
        assertEquals("c", tree(array.get(0)).get("customerId").textValue());
    }

    @Test
    void rejects_an_empty_body_as_a_whole() {
        for (String body : List.of("", "   ", "\n\r\n", "\uFEFF")) {
            List<RecordItem> items = split(body);
            assertEquals(1, items.size(), body);
            assertEquals(-1, items.get(0).index());
            assertEquals("body: is empty, expected a JSON array, NDJSON or a JSON object", items.get(0).error());
        }
    }

    @Test
    void a_malformed_ndjson_line_rejects_that_line_only() {
        List<RecordItem> items = split(REC + "\nnot json\n" + REC + "\n{\"a\":1} {\"b\":2}\n");
        assertEquals(4, items.size());
        assertTrue(tree(items.get(0)) != null && tree(items.get(2)) != null);
        RecordItem bad = items.get(1);
        assertEquals(1, bad.index());
        assertEquals(2, bad.line());
        assertEquals("not json", bad.raw());
        assertTrue(bad.error().startsWith("record: not valid JSON (Unrecognized token 'not'"), bad.error());
        assertTrue(items.get(3).error().startsWith("record: not valid JSON (unexpected content after the value"),
                items.get(3).error());
    }

    @Test
    void a_truncated_array_keeps_the_records_before_the_cut() {
        List<RecordItem> items = split("[" + REC + "," + REC + ",{\"customerId\":\"c\"");
        assertEquals(3, items.size());
        assertTrue(tree(items.get(0)) != null && tree(items.get(1)) != null);
        RecordItem end = items.get(2);
        assertEquals(-1, end.index());
        assertTrue(end.error().startsWith("body: malformed JSON array ("), end.error());
    }

    @Test
    void an_array_without_its_closing_bracket_is_reported_truncated() {
        List<RecordItem> items = split("[" + REC);
        assertEquals(2, items.size());
        assertEquals(-1, items.get(1).index());
        assertTrue(items.get(1).error().startsWith("body: "), items.get(1).error());
    }

    @Test
    void content_after_the_array_is_a_body_error() {
        List<RecordItem> items = split("[" + REC + "] [1]");
        assertEquals(2, items.size());
        assertTrue(items.get(1).error().startsWith("body: unexpected content after the JSON array"));
    }

    @Test
    void array_elements_that_are_not_objects_are_passed_on_for_rejection() {
        List<RecordItem> items = split("[1, \"two\", [3], null]");
        assertEquals(4, items.size());
        assertTrue(tree(items.get(0)).isNumber());
        assertTrue(tree(items.get(2)).isArray());
        assertEquals(List.of(0, 1, 2, 3), items.stream().map(RecordItem::index).toList());
    }

    @Test
    void keeps_unicode_and_exact_decimals() {
        List<RecordItem> items = split("{\"customerId\":\"kunde-\u00e4\u00df-\uD83D\uDE00\",\"meterValue\":0.10}");
        assertEquals("kunde-\u00e4\u00df-\uD83D\uDE00", tree(items.get(0)).get("customerId").textValue());
        assertEquals("0.10", tree(items.get(0)).get("meterValue").decimalValue().toPlainString());
    }

    @Test
    void rejects_records_with_duplicate_fields() {
        List<RecordItem> items = split("{\"meterValue\":1,\"meterValue\":1000}");
        assertNull(tree(items.get(0)));
        assertTrue(items.get(0).error().contains("Duplicate field 'meterValue'"), items.get(0).error());
    }

    @Test
    void not_json_at_all_is_one_rejected_line() {
        List<RecordItem> items = split("hello");
        assertEquals(1, items.size());
        assertEquals("hello", items.get(0).raw());
    }

    @Test
    void deep_nesting_is_rejected_with_a_clear_reason() {
        String deep = "{\"a\":" + "[".repeat(MeterRecordCodec.MAX_NESTING_DEPTH + 5) + "]".repeat(MeterRecordCodec.MAX_NESTING_DEPTH + 5) + "}";
        List<RecordItem> items = split(REC + "\n" + deep + "\n" + REC);
        assertEquals(3, items.size());
        assertTrue(items.get(1).error().contains("nesting depth"), items.get(1).error());
        assertTrue(tree(items.get(2)) != null, "the next line is read as usual");
    }

    @Test
    void overlong_numbers_and_strings_are_rejected_with_a_clear_reason() {
        List<RecordItem> items = split("{\"meterValue\":" + "9".repeat(MeterRecordCodec.MAX_NUMBER_LENGTH + 1) + "}\n"
                + "{\"customerId\":\"" + "x".repeat(MeterRecordCodec.MAX_STRING_LENGTH + 1) + "\"}");
        assertTrue(items.get(0).error().contains("Number value length"), items.get(0).error());
        assertTrue(items.get(1).error().contains("String value length"), items.get(1).error());
    }

    @Test
    void a_body_with_too_many_records_is_cut_with_a_body_error() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i <= MeterRecordCodec.MAX_RECORDS; i++) {
            body.append(i == 0 ? "" : ",").append("1");
        }
        List<RecordItem> items = split(body.append("]").toString());
        assertEquals(MeterRecordCodec.MAX_RECORDS + 1, items.size());
        RecordItem last = items.get(items.size() - 1);
        assertEquals(-1, last.index());
        assertEquals("body: more than 100000 records in one message; the rest of the body is not read", last.error());
    }

    @Test
    void a_malformed_array_after_blank_lines_reports_the_same_position_in_memory_and_streamed() {
        List<RecordItem> items = split("\n\n  [" + REC + ", {\"customerId\": ]");
        assertEquals(2, items.size());
        assertTrue(items.get(1).error().startsWith("body: malformed JSON array"), items.get(1).error());
    }

    @Test
    void a_streamed_body_rejects_a_line_longer_than_the_line_limit_and_reads_on() {
        String longLine = "{\"customerId\":\"" + "x".repeat(MeterRecordCodec.MAX_LINE_BYTES) + "\"}";
        List<RecordItem> items = splitFile((longLine + "\n" + REC + "\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(2, items.size());
        assertEquals("record: line longer than " + MeterRecordCodec.MAX_LINE_BYTES + " bytes", items.get(0).error());
        assertEquals(1, items.get(0).line());
        assertEquals(2, items.get(1).line());
        assertEquals("c", tree(items.get(1)).get("customerId").textValue());
    }
}
