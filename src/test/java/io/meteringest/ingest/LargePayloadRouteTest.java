package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazon.sqs.javamessaging.AmazonSQSExtendedClient;
import com.amazon.sqs.javamessaging.ExtendedClientConfiguration;
import io.meteringest.testkit.RouteTestSupport;
import io.meteringest.usage.UsageRow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * SQS Extended Client messages: a multi-MiB payload sent through the real extended-client library,
 * and the legacy pointer format built by hand, are fetched from S3, archived byte for byte and split;
 * a pointer to a missing object is dead-lettered as the pointer it was.
 */
class LargePayloadRouteTest extends RouteTestSupport {

    private static final long TIME = 1619445706909L;

    private final String payloadBucket = "payloads-" + UUID.randomUUID().toString().substring(0, 8);

    /** NDJSON of {@code records} valid records, one customer each, so each is its own usage row. */
    private static String ndjson(int records) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < records; i++) {
            body.append("{\"customerId\":\"customer-").append(i).append("\",\"meterApiName\":\"ComputeHours\",")
                    .append("\"meterValue\":2.5,\"meterTimeInMillis\":").append(TIME)
                    .append(",\"dimensions\":{\"region\":\"us-west-2\",\"az\":\"az1\"}}\n");
        }
        return body.toString();
    }

    @Test
    void a_multi_mib_payload_sent_by_the_extended_client_is_archived_and_counted() throws Exception {
        servers().createBucket(payloadBucket);
        String payload = ndjson(30_000);
        assertTrue(payload.length() > 3 * 1024 * 1024, "more than 3 MiB, beyond any SQS message");
        AmazonSQSExtendedClient producer = new AmazonSQSExtendedClient(sqs,
                new ExtendedClientConfiguration().withPayloadSupportEnabled(s3, payloadBucket));
        String id = producer.sendMessage(b -> b.queueUrl(queueUrl(queue)).messageBody(payload)
                .messageGroupId("g1").messageDeduplicationId(UUID.randomUUID().toString())).messageId();

        startConsumer();
        awaitQueueEmpty();

        String rawKey = rawKeyOf(id);
        assertArrayEquals(payload.getBytes(StandardCharsets.UTF_8), object(rawKey).asByteArray());
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(rawKey));
        assertTrue(head.metadata().get("payload-pointer").startsWith("s3://" + payloadBucket + "/"), head.metadata().toString());
        List<UsageRow> rows = store().openRows();
        assertEquals(30_000, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.count() == 1 && r.sum().compareTo(new java.math.BigDecimal("2.5")) == 0));
        assertEquals(List.of(), keys("failed-requests/"));
    }

    @Test
    void the_legacy_pointer_format_is_resolved_too() throws Exception {
        servers().createBucket(payloadBucket);
        String payload = "[" + ndjson(3).strip().replace("\n", ",") + "]";
        s3.putObject(b -> b.bucket(payloadBucket).key("legacy-1"), RequestBody.fromString(payload));
        String id = sqs.sendMessage(b -> b.queueUrl(queueUrl(queue)).messageGroupId("g2")
                .messageDeduplicationId(UUID.randomUUID().toString())
                .messageBody("[\"com.amazon.sqs.javamessaging.MessageS3Pointer\",{\"s3BucketName\":\"" + payloadBucket
                        + "\",\"s3Key\":\"legacy-1\"}]")
                .messageAttributes(Map.of("SQSLargePayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue(String.valueOf(payload.length())).build()))).messageId();

        startConsumer();
        awaitQueueEmpty();

        assertEquals(payload, object(rawKeyOf(id)).asUtf8String());
        assertEquals(3, store().openRows().size());
    }

    @Test
    void a_pointer_to_a_missing_object_goes_to_the_dead_letter_queue_as_the_pointer() throws Exception {
        servers().createBucket(payloadBucket);
        String pointer = "[\"software.amazon.payloadoffloading.PayloadS3Pointer\",{\"s3BucketName\":\"" + payloadBucket
                + "\",\"s3Key\":\"gone\"}]";
        String id = sqs.sendMessage(b -> b.queueUrl(queueUrl(queue)).messageGroupId("g3")
                .messageDeduplicationId(UUID.randomUUID().toString()).messageBody(pointer)
                .messageAttributes(Map.of("ExtendedPayloadSize", MessageAttributeValue.builder().dataType("Number")
                        .stringValue("5000000").build()))).messageId();

        startConsumer();
        awaitQueueEmpty();

        Message dead = receiveAll(deadLetterQueue, 1).get(0);
        assertEquals(pointer, dead.body());
        assertEquals(id, dead.messageAttributes().get("source-message-id").stringValue());
        // still an Extended Client message: a redrive once the object is there resolves it
        assertEquals("5000000", dead.messageAttributes().get("ExtendedPayloadSize").stringValue());
        assertTrue(dead.messageAttributes().get("failure-reason").stringValue().contains("key does not exist"),
                dead.messageAttributes().toString());
        assertEquals(List.of(), keys("raw/"));
    }
}
