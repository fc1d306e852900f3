package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.testkit.Records;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract's failure report (shared CONTRACT.md, "Failure report") rendered from one message's outcome. */
class FailureReportWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T20:47:00.731Z"), ZoneOffset.UTC);

    private final FailureReportWriter writer = new FailureReportWriter(JSON, CLOCK);

    private static MessageOutcome outcomeOf(String body) {
        MessageOutcome outcome = new MessageOutcome();
        Records.outcomes(body).forEach(outcome::add);
        return outcome;
    }

    private JsonNode render(String body) throws Exception {
        return JSON.readTree(writer.render(outcomeOf(body), "m-1", "1619445706909") /* SentTimestamp 2021-04-26T14:01:46.909Z */);
    }

    @Test
    void names_the_message_its_raw_key_the_second_it_was_written_and_the_counts() throws Exception {
        JsonNode report = render(Records.record("c-1") + "\n"
                + "{\"customerId\":\"c-2\",\"meterApiName\":\"M\",\"meterValue\":\"5\",\"meterTimeInMillis\":1}\n");
        assertEquals(List.of("messageId", "rawKey", "receivedAt", "accepted", "rejected", "errors"),
                List.copyOf(iterable(report.fieldNames())));
        assertEquals("m-1", report.get("messageId").asText());
        assertEquals("raw/2021/04/26/14/m-1", report.get("rawKey").asText());
        assertEquals("2026-11-21T20:47:00Z", report.get("receivedAt").asText());
        assertEquals(1, report.get("accepted").asInt());
        assertEquals(1, report.get("rejected").asInt());
        assertEquals(1, report.get("errors").size());
    }

    @Test
    void an_ndjson_error_gives_index_line_every_reason_and_the_record_as_received() throws Exception {
        JsonNode report = render(Records.record("c-1") + "\n"
                + "\n"
                + "{\"customerId\":\"\",\"meterApiName\":\"M\",\"meterValue\":\"5\",\"meterTimeInMillis\":1619445706909}\n");
        JsonNode error = report.get("errors").get(0);
        assertEquals(1, error.get("index").asInt(), "0-based position among the records, blank lines not counted");
        assertEquals(3, error.get("line").asInt(), "1-based line of the body");
        List<String> reasons = List.copyOf(iterable(error.get("reasons").elements())).stream().map(JsonNode::asText).toList();
        assertEquals(2, reasons.size(), reasons.toString());
        assertTrue(reasons.stream().anyMatch(r -> r.startsWith("customerId: ")), reasons.toString());
        assertTrue(reasons.contains("meterValue: must be a finite number, was \"5\""), reasons.toString());
        assertTrue(error.get("record").isObject(), "a JSON record is reported as the JSON it was");
        assertEquals("5", error.get("record").get("meterValue").asText());
    }

    @Test
    void a_line_that_is_not_json_is_reported_as_its_raw_text() throws Exception {
        JsonNode error = render("not json\n").get("errors").get(0);
        assertEquals(0, error.get("index").asInt());
        assertEquals("not json", error.get("record").asText());
        assertTrue(error.get("reasons").get(0).asText().startsWith("record: not valid JSON"), error.toString());
    }

    @Test
    void an_array_body_has_no_line_numbers() throws Exception {
        JsonNode error = render("[" + Records.record("c-1") + ", 7]").get("errors").get(0);
        assertEquals(1, error.get("index").asInt());
        assertFalse(error.has("line"), error.toString());
    }

    @Test
    void a_body_that_is_not_parseable_is_one_error_at_index_minus_one_without_a_record() throws Exception {
        JsonNode report = render("[" + Records.record("c-1") + ", {\"customerId\": ");
        JsonNode error = report.get("errors").get(0);
        assertEquals(-1, error.get("index").asInt());
        assertTrue(error.get("reasons").get(0).asText().startsWith("body: malformed JSON array"), error.toString());
        assertFalse(error.has("record"), error.toString());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> list = new java.util.ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
