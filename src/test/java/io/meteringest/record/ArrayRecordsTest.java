package io.meteringest.record;

import static io.meteringest.record.Splits.REC;
import static io.meteringest.record.Splits.split;
import static io.meteringest.record.Splits.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Array bodies: elements passed on as trees, body errors at the first syntax error, the record limit. */
class ArrayRecordsTest {

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
    void a_body_with_too_many_records_is_cut_with_a_body_error() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i <= BodyRecords.MAX_RECORDS; i++) {
            body.append(i == 0 ? "" : ",").append("1");
        }
        List<RecordItem> items = split(body.append("]").toString());
        assertEquals(BodyRecords.MAX_RECORDS + 1, items.size());
        RecordItem last = items.get(items.size() - 1);
        assertEquals(-1, last.index());
        assertEquals("body: more than 100000 records in one message; the rest of the body is not read", last.error());
    }
}
