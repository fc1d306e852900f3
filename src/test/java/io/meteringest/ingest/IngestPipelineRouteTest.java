package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The ingest routes end to end on ElasticMQ + S3Proxy: archive, split, validate, report, dead letters. */
class IngestPipelineRouteTest extends RouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = Records.record("c-1", "Storage", "2.5");

    @Test
    void archives_the_reference_samples_byte_for_byte_and_routes_their_records() throws Exception {
        byte[] array = Records.sampleArrayBytes();
        byte[] ndjson = Records.sampleNdjsonBytes();
        String group = UUID.randomUUID().toString();
        String dedup = UUID.randomUUID().toString();
        String arrayId = sqs.sendMessage(b -> b.queueUrl(queueUrl(queue)).messageBody(new String(array, StandardCharsets.UTF_8))
                .messageGroupId(group).messageDeduplicationId(dedup)).messageId();
        String ndjsonId = send(new String(ndjson, StandardCharsets.UTF_8));

        startConsumer();
        awaitQueueEmpty();

        var raw = object(rawKeyOf(arrayId));
        assertArrayEquals(array, raw.asByteArray());
        GetObjectResponse meta = raw.response();
        assertEquals(Map.of("message-id", arrayId, "group-id", group, "dedup-id", dedup), meta.metadata());
        assertArrayEquals(ndjson, object(rawKeyOf(ndjsonId)).asByteArray());
        assertEquals(List.of(), keys("failed-requests/"));
        // the expected rollup of the reference samples (shared samples/README.md)
        assertEquals(Map.of(
                "customer-123|ComputeHours|{\"az\":\"az1\",\"region\":\"us-west-2\"}|1619445660000", "5 x 1",
                "customer-123|ComputeHours|{}|1619445660000", "5 x 1",
                "customer-321|ComputeHours|{}|1619445660000", "4 x 1",
                "customer-123|ComputeHours|{}|1619445780000", "1 x 1"), openUsage());
        assertTrue(audit.deletedMessageIds().containsAll(List.of(arrayId, ndjsonId)));
        assertEquals(0, messagesOnQueue(deadLetterQueue));
    }

    @Test
    void writes_one_failure_report_for_a_message_with_rejected_records() throws Exception {
        String body = GOOD + "\n"
                + "{\"customerId\":\"c-2\",\"meterApiName\":\"Storage\",\"meterValue\":\"5\",\"meterTimeInMillis\":1619445706909}\r\n"
                + "\n"
                + "not json\n"
                + GOOD.replace("c-1", "c-3") + "\n";
        String id = send(body);

        startConsumer();
        awaitQueueEmpty();

        String rawKey = rawKeyOf(id);
        assertEquals(body, text(rawKey));
        String reportKey = rawKey.replace("raw/", "failed-requests/") + ".json";
        assertEquals(List.of(reportKey), keys("failed-requests/"));
        JsonNode report = JSON.readTree(text(reportKey));
        assertEquals(id, report.get("messageId").asText());
        assertEquals(rawKey, report.get("rawKey").asText());
        assertTrue(report.get("receivedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        assertEquals(2, report.get("accepted").asInt());
        assertEquals(2, report.get("rejected").asInt());
        JsonNode first = report.get("errors").get(0);
        assertEquals(1, first.get("index").asInt());
        assertEquals(2, first.get("line").asInt());
        assertEquals("meterValue: must be a finite number, was \"5\"", first.get("reasons").get(0).asText());
        assertEquals("c-2", first.get("record").get("customerId").asText());
        JsonNode second = report.get("errors").get(1);
        assertEquals(2, second.get("index").asInt());
        assertEquals(4, second.get("line").asInt());
        assertEquals("not json", second.get("record").asText());
        assertTrue(second.get("reasons").get(0).asText().startsWith("record: not valid JSON"));
        assertEquals(Map.of("c-1|Storage|{}|1619445660000", "2.5 x 1", "c-3|Storage|{}|1619445660000", "2.5 x 1"), openUsage());
    }

    @Test
    void bad_bodies_are_reported_and_never_stop_the_consumer() throws Exception {
        String truncated = send("[" + GOOD + ", {\"customerId\": ");
        String garbage = send("%%% not json at all {{{ \uFFFD");
        String scalars = send("[1, 2]");
        String good = send(GOOD);

        startConsumer();
        awaitQueueEmpty();

        JsonNode report = JSON.readTree(text(rawKeyOf(truncated).replace("raw/", "failed-requests/") + ".json"));
        assertEquals(1, report.get("accepted").asInt());
        JsonNode bodyError = report.get("errors").get(0);
        assertEquals(-1, bodyError.get("index").asInt());
        assertTrue(bodyError.get("reasons").get(0).asText().startsWith("body: malformed JSON array"));
        assertFalse(bodyError.has("record"));
        assertEquals(3, keys("failed-requests/").size(), keys("failed-requests/").toString());
        JsonNode scalarReport = JSON.readTree(text(rawKeyOf(scalars).replace("raw/", "failed-requests/") + ".json"));
        assertEquals("record: must be a JSON object, was 1", scalarReport.get("errors").get(0).get("reasons").get(0).asText());
        rawKeyOf(garbage);
        rawKeyOf(good);
        // the truncated array's good record and the good message: the same content, so counted once
        assertEquals(Map.of("c-1|Storage|{}|1619445660000", "2.5 x 1"), openUsage());
        assertEquals(Map.of("usage-aggregate", 2L), recordsByEndpoint());
    }

    @Test
    void s3_down_sends_the_raw_body_to_the_dead_letter_queue_then_deletes_the_source() throws Exception {
        int s3Port = servers().s3Port();
        String group = "group-" + UUID.randomUUID();
        String body = GOOD + "\n" + GOOD;
        String id;
        servers().stopS3();
        try {
            id = send(body, group);
            startConsumer();
            awaitQueueEmpty();
        } finally {
            servers().startS3(s3Port);
        }
        Message dead = receiveAll(deadLetterQueue, 1).get(0);
        assertEquals(body, dead.body());
        assertEquals(id, dead.messageAttributes().get("source-message-id").stringValue());
        assertEquals(group, dead.messageAttributes().get("source-group-id").stringValue());
        assertFalse(dead.messageAttributes().get("failure-reason").stringValue().isBlank());
        assertEquals(3, dead.messageAttributes().size(), dead.messageAttributes().toString());
        assertEquals(group, dead.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID));
        assertEquals(id, dead.attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID));
        assertTrue(audit.deletedMessageIds().contains(id));
        // the archive was retried as configured (ingest.archive.retries = 2 in these tests) before that
        assertEquals(2, redeliveries.get());
        // dead-lettered, so neither archived nor counted: a redrive processes it once
        assertEquals(List.of(), keys("raw/"));
        assertEquals(Map.of(), openUsage());
    }

    @Test
    void s3_and_dead_letter_queue_down_leave_the_source_message_until_they_return() throws Exception {
        int s3Port = servers().s3Port();
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("ingest-consume").whenFailed(1).create();
        String id;
        servers().stopS3();
        try {
            sqs.deleteQueue(b -> b.queueUrl(queueUrl(deadLetterQueue)));
            id = send(GOOD);
            startConsumer();
            assertTrue(failed.matches(30, TimeUnit.SECONDS), "the message should fail while S3 and the DLQ are down");
            assertEquals(1, messagesOnQueue(queue));
            assertFalse(audit.deletedMessageIds().contains(id));
        } finally {
            servers().startS3(s3Port);
            servers().createQueues(queue, deadLetterQueue, MAX_RECEIVE_COUNT);
        }
        // SQS redelivers it after the visibility timeout, and now it goes through
        awaitQueueEmpty();
        assertEquals(GOOD, text(rawKeyOf(id)));
        assertEquals(Map.of("c-1|Storage|{}|1619445660000", "2.5 x 1"), openUsage());
        assertEquals(0, messagesOnQueue(deadLetterQueue));
    }
}
