package io.meteringest.record;

import static io.meteringest.record.Splits.REC;
import static io.meteringest.record.Splits.split;
import static io.meteringest.record.Splits.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder: which reading a body gets (array, NDJSON, one object), BOM, empty bodies, the samples. */
class RecordSplitterTest {

    private final RecordSplitter codec = new RecordSplitter();

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
    void not_json_at_all_is_one_rejected_line() {
        List<RecordItem> items = split("hello");
        assertEquals(1, items.size());
        assertEquals("hello", items.get(0).raw());
    }

    @Test
    void a_malformed_array_after_blank_lines_reports_the_same_position_in_memory_and_streamed() {
        List<RecordItem> items = split("\n\n  [" + REC + ", {\"customerId\": ]");
        assertEquals(2, items.size());
        assertTrue(items.get(1).error().startsWith("body: malformed JSON array"), items.get(1).error());
    }

    @Test
    void keeps_unicode_and_exact_decimals() {
        List<RecordItem> items = split("{\"customerId\":\"kunde-\u00e4\u00df-\uD83D\uDE00\",\"meterValue\":0.10}");
        assertEquals("kunde-\u00e4\u00df-\uD83D\uDE00", tree(items.get(0)).get("customerId").textValue());
        assertEquals("0.10", tree(items.get(0)).get("meterValue").decimalValue().toPlainString());
    }
}
