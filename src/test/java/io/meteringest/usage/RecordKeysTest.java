package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meteringest.StartupException;
import io.meteringest.record.MeterRecord;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecordKeysTest {

    private final RecordKeys content = new RecordKeys(RecordKeys.DedupMode.CONTENT);
    private final RecordKeys uniqueId = new RecordKeys(RecordKeys.DedupMode.UNIQUE_ID);

    private static MeterRecord record(String value, Map<String, String> dims, String uniqueId) {
        return new MeterRecord("c", "m", new BigDecimal(value), 1619445706909L, new TreeMap<>(dims), uniqueId);
    }

    @Test
    void equal_content_gives_equal_keys_whatever_the_dimension_order_or_number_scale() {
        Map<String, String> ab = new java.util.LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new java.util.LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        assertEquals(content.dedupKey(record("5", ab, null)), content.dedupKey(record("5.0", ba, null)));
        assertEquals(content.dedupKey(record("50", ab, null)), content.dedupKey(record("5E+1", ab, null)));
        assertEquals(content.dedupKey(record("0", ab, null)), content.dedupKey(record("0.000", ab, null)));
    }

    @Test
    void different_content_gives_different_keys() {
        String base = content.dedupKey(record("5", Map.of("a", "1"), null));
        assertNotEquals(base, content.dedupKey(record("5.1", Map.of("a", "1"), null)));
        assertNotEquals(base, content.dedupKey(record("5", Map.of("a", "2"), null)));
        assertNotEquals(base, content.dedupKey(record("5", Map.of(), null)));
        assertNotEquals(content.dedupKey(new MeterRecord("ab", "c", BigDecimal.ONE, 1, new TreeMap<>(), null)),
                content.dedupKey(new MeterRecord("a", "bc", BigDecimal.ONE, 1, new TreeMap<>(), null)));
    }

    @Test
    void a_unique_id_is_the_key_when_there_is_one() {
        assertEquals(content.dedupKey(record("5", Map.of(), "u-1")), content.dedupKey(record("7", Map.of("x", "y"), "u-1")));
        assertEquals(content.dedupKey(record("5", Map.of(), "u-1")), uniqueId.dedupKey(record("5", Map.of(), "u-1")));
        assertNotEquals(content.dedupKey(record("5", Map.of(), "u-1")), content.dedupKey(record("5", Map.of(), "u-2")));
    }

    @Test
    void unique_id_mode_does_not_dedup_records_without_one() {
        assertNull(uniqueId.dedupKey(record("5", Map.of(), null)));
    }

    @Test
    void the_mode_setting_is_checked() {
        assertEquals(RecordKeys.DedupMode.UNIQUE_ID, RecordKeys.mode("unique-id"));
        assertEquals("ingest.dedup.mode: must be 'content' or 'unique-id', was 'exact'",
                assertThrows(StartupException.class, () -> RecordKeys.mode("exact")).getMessage());
    }

    @Test
    void dimensions_are_stored_as_sorted_compact_json() {
        assertEquals("{\"az\":\"az1\",\"region\":\"us-west-2\"}",
                RecordKeys.dimensionsJson(new TreeMap<>(Map.of("region", "us-west-2", "az", "az1"))));
    }
}
