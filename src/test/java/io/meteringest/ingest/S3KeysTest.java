package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** The contract's S3 keys (shared CONTRACT.md, "Output: the S3 bucket") and the raw archive's metadata. */
class S3KeysTest {

    /** 2021-04-26T14:01:46.909Z */
    private static final String SENT = "1619445706909";

    private final S3Keys keys = new S3Keys();
    /** names the failure report (ingest-report), from the same hour path */
    private final FailureReportWriter reports = new FailureReportWriter(new com.fasterxml.jackson.databind.ObjectMapper(),
            java.time.Clock.systemUTC());

    @Test
    void a_raw_body_is_archived_under_raw_and_the_utc_hour_of_its_sent_timestamp_by_message_id() {
        assertEquals("raw/2021/04/26/14/m-1", keys.raw(SENT, "m-1"));
    }

    @Test
    void replay_lists_an_hour_under_the_prefix_every_raw_key_of_that_hour_has() {
        assertEquals("raw/2021/04/26/14/", S3Keys.rawHourPrefix(1619445600000L)); // 2021-04-26T14:00:00.000Z
        assertTrue(keys.raw(SENT, "m-1").startsWith(S3Keys.rawHourPrefix(1619445600000L)));
        assertTrue(!keys.raw(SENT, "m-1").startsWith(S3Keys.rawHourPrefix(1619445600000L + 3_600_000)), "the next hour's prefix");
    }

    @Test
    void a_failure_report_mirrors_the_raw_key_under_failed_requests_as_json() {
        assertEquals("failed-requests/2021/04/26/14/m-1.json", reports.key(SENT, "m-1"));
        assertEquals(keys.raw(SENT, "m-1").replace("raw/", "failed-requests/") + ".json", reports.key(SENT, "m-1"));
    }

    @Test
    void the_hour_path_is_zero_padded_and_changes_exactly_on_the_utc_hour() {
        assertEquals("2021/01/02/03", S3Keys.hourPath("1609556400000")); // 2021-01-02T03:00:00.000Z
        assertEquals("2021/01/02/02", S3Keys.hourPath("1609556399999"));
        assertEquals("1970/01/01/00", S3Keys.hourPath("0"));
        assertEquals("2021/04/26/14", S3Keys.hourPath(" " + SENT + " "), "SQS attribute text with blanks around it");
    }

    @Test
    void the_hour_is_utc_whatever_the_machines_time_zone() {
        TimeZone original = TimeZone.getDefault();
        try {
            for (String zone : List.of("Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata")) {
                TimeZone.setDefault(TimeZone.getTimeZone(zone));
                assertEquals("raw/2021/04/26/14/m-1", new S3Keys().raw(SENT, "m-1"), zone);
            }
        } finally {
            TimeZone.setDefault(original);
        }
    }

    @Test
    void a_redelivered_message_maps_to_the_same_keys() {
        // SentTimestamp and message id are the message's own, the same at every receive
        assertEquals(keys.raw(SENT, "m-1"), new S3Keys().raw(SENT, "m-1"));
        assertEquals(reports.key(SENT, "m-1"), new FailureReportWriter(new com.fasterxml.jackson.databind.ObjectMapper(), java.time.Clock.systemUTC()).key(SENT, "m-1"));
    }

    @Test
    void a_missing_sent_timestamp_is_refused_with_what_the_consumer_must_request() {
        for (String missing : new String[] {null, "", "  "}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> keys.raw(missing, "m-1"));
            assertTrue(refused.getMessage().contains("SentTimestamp") && refused.getMessage().contains("attributeNames=All"),
                    refused.getMessage());
        }
    }

    @Test
    void raw_metadata_names_the_message_group_and_dedup_ids_in_that_order() {
        Map<String, String> metadata = keys.rawMetadata("m-1", "g-1", "d-1", null);
        assertEquals(List.of("message-id", "group-id", "dedup-id"), List.copyOf(metadata.keySet()));
        assertEquals(List.of("m-1", "g-1", "d-1"), List.copyOf(metadata.values()));
    }

    @Test
    void raw_metadata_leaves_out_what_a_standard_queue_message_does_not_have() {
        assertEquals(Map.of("message-id", "m-1"), keys.rawMetadata("m-1", null, null, null));
    }

    @Test
    void raw_metadata_of_an_extended_client_message_names_the_payload_it_came_from() {
        Map<String, String> metadata = keys.rawMetadata("m-1", "g-1", "d-1", "s3://payloads/p-1");
        assertEquals("s3://payloads/p-1", metadata.get("payload-pointer"));
        assertEquals(4, metadata.size(), metadata.toString());
    }
}
