package io.meteringest.record;

import static io.meteringest.record.Splits.REC;
import static io.meteringest.record.Splits.split;
import static io.meteringest.record.Splits.splitFile;
import static io.meteringest.record.Splits.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NDJSON bodies: line numbers, blank lines and CRLF, a bad line rejecting that line only, the parser limits. */
class NdjsonRecordsTest {

    @Test
    void skips_blank_lines_and_handles_crlf_keeping_line_numbers() {
        List<RecordItem> items = split("\r\n" + REC + "\r\n   \r\n\t\r\n" + REC + "\r\n\r\n");
        assertEquals(2, items.size());
        assertEquals(List.of(2, 5), items.stream().map(RecordItem::line).toList());
        assertTrue(items.stream().allMatch(i -> tree(i) != null));
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
    void rejects_records_with_duplicate_fields() {
        List<RecordItem> items = split("{\"meterValue\":1,\"meterValue\":1000}");
        assertNull(tree(items.get(0)));
        assertTrue(items.get(0).error().contains("Duplicate field 'meterValue'"), items.get(0).error());
    }

    @Test
    void deep_nesting_is_rejected_with_a_clear_reason() {
        String deep = "{\"a\":" + "[".repeat(RecordJson.MAX_NESTING_DEPTH + 5) + "]".repeat(RecordJson.MAX_NESTING_DEPTH + 5) + "}";
        List<RecordItem> items = split(REC + "\n" + deep + "\n" + REC);
        assertEquals(3, items.size());
        assertTrue(items.get(1).error().contains("nesting depth"), items.get(1).error());
        assertTrue(tree(items.get(2)) != null, "the next line is read as usual");
    }

    @Test
    void overlong_numbers_and_strings_are_rejected_with_a_clear_reason() {
        List<RecordItem> items = split("{\"meterValue\":" + "9".repeat(RecordJson.MAX_NUMBER_LENGTH + 1) + "}\n"
                + "{\"customerId\":\"" + "x".repeat(RecordJson.MAX_STRING_LENGTH + 1) + "\"}");
        assertTrue(items.get(0).error().contains("Number value length"), items.get(0).error());
        assertTrue(items.get(1).error().contains("String value length"), items.get(1).error());
    }

    @Test
    void a_streamed_body_rejects_a_line_longer_than_the_line_limit_and_reads_on() {
        String longLine = "{\"customerId\":\"" + "x".repeat(StreamLines.MAX_LINE_BYTES) + "\"}";
        List<RecordItem> items = splitFile((longLine + "\n" + REC + "\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(2, items.size());
        assertEquals("record: line longer than " + StreamLines.MAX_LINE_BYTES + " bytes", items.get(0).error());
        assertEquals(1, items.get(0).line());
        assertEquals(2, items.get(1).line());
        assertEquals("c", tree(items.get(1)).get("customerId").textValue());
    }
}
