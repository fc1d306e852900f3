package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.ExchangeProps;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.io.File;
import java.nio.file.Files;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.s3.AWS2S3Component;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * SQS Extended Client pointers: which bodies are pointers (both pointer formats, only with the size
 * attribute), and a pointer resolved from the real embedded S3 server into a temporary file body.
 */
class ExtendedPayloadsTest {

    private static final String POINTER = "software.amazon.payloadoffloading.PayloadS3Pointer";
    private static final String LEGACY_POINTER = "com.amazon.sqs.javamessaging.MessageS3Pointer";

    private final CamelContext context = new DefaultCamelContext();
    private final S3Client s3 = AwsKit.sharedServers().s3Client();
    private final String bucket = "payloads-" + UUID.randomUUID().toString().substring(0, 8);
    private final ExtendedPayloads payloads = new ExtendedPayloads(context, new ObjectMapper());

    @BeforeEach
    void start() {
        AwsKit.sharedServers().createBucket(bucket);
        context.getComponent("aws2-s3", AWS2S3Component.class).getConfiguration().setAmazonS3Client(s3);
        context.start();
    }

    @AfterEach
    void stop() {
        context.stop();
        s3.close();
    }

    private static String pointer(String pointerClass, String bucket, String key) {
        return "[\"" + pointerClass + "\",{\"s3BucketName\":\"" + bucket + "\",\"s3Key\":\"" + key + "\"}]";
    }

    private Exchange message(String body, String sizeAttribute) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader("CamelAwsSqsMessageId", "m-1");
        exchange.getIn().setBody(body);
        if (sizeAttribute != null) {
            exchange.getIn().setHeader(sizeAttribute, 12345);
        }
        return exchange;
    }

    @Test
    void a_pointer_in_either_format_with_its_size_attribute_names_the_payload() {
        ExtendedPayloads.Pointer current = payloads.pointer(message(pointer(POINTER, "b", "k-1"), "ExtendedPayloadSize"));
        assertEquals(new ExtendedPayloads.Pointer("b", "k-1"), current);
        assertEquals("s3://b/k-1", current.toString());
        assertEquals(new ExtendedPayloads.Pointer("b", "k-2"),
                payloads.pointer(message(pointer(LEGACY_POINTER, "b", "k-2"), "SQSLargePayloadSize")));
    }

    @Test
    void a_body_is_a_pointer_only_with_a_size_attribute_the_right_class_a_bucket_and_a_key() {
        assertNull(payloads.pointer(message(pointer(POINTER, "b", "k"), null)), "no size attribute: an ordinary body");
        assertNull(payloads.pointer(message("[\"some.other.Pointer\",{\"s3BucketName\":\"b\",\"s3Key\":\"k\"}]",
                "ExtendedPayloadSize")));
        assertNull(payloads.pointer(message(pointer(POINTER, "", "k"), "ExtendedPayloadSize")));
        assertNull(payloads.pointer(message(pointer(POINTER, "b", ""), "ExtendedPayloadSize")));
        assertNull(payloads.pointer(message(Records.record("c"), "ExtendedPayloadSize")), "a record, not a pointer");
        assertNull(payloads.pointer(message("[1, 2, 3]", "ExtendedPayloadSize")));
        assertNull(payloads.pointer(message("not json", "ExtendedPayloadSize")), "not JSON: validated like any body");
    }

    @Test
    void resolves_a_pointer_into_a_temporary_file_body_deleted_when_the_message_is_done() throws Exception {
        String payload = Records.sampleNdjson();
        s3.putObject(b -> b.bucket(bucket).key("p-1"), RequestBody.fromString(payload));
        Exchange exchange = message(pointer(POINTER, bucket, "p-1"), "ExtendedPayloadSize");

        payloads.resolve(exchange);

        File body = assertInstanceOf(File.class, exchange.getIn().getBody());
        assertEquals(payload, Files.readString(body.toPath()));
        assertEquals((long) payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                exchange.getIn().getHeader(AWS2S3Constants.CONTENT_LENGTH, Long.class));
        assertEquals("s3://" + bucket + "/p-1", exchange.getProperty(ExchangeProps.PAYLOAD_POINTER));
        assertNull(payloads.pointer(exchange), "a fetched body is not fetched again");
        assertTrue(s3.headObject(b -> b.bucket(bucket).key("p-1")).contentLength() > 0, "the producer's object stays");

        for (Synchronization done : exchange.getExchangeExtension().handoverCompletions()) {
            done.onComplete(exchange);
        }
        assertFalse(body.exists(), "the temporary file goes with the message");
    }

    @Test
    void a_pointer_to_a_missing_object_fails_like_an_archive_write() {
        Exchange exchange = message(pointer(POINTER, bucket, "gone"), "ExtendedPayloadSize");
        S3Exception missing = assertThrows(S3Exception.class, () -> payloads.resolve(exchange));
        assertEquals(404, missing.statusCode());
        assertNull(exchange.getProperty(ExchangeProps.PAYLOAD_POINTER));
    }

    @Test
    void any_other_body_is_left_as_it_is() throws Exception {
        String record = Records.record("c");
        Exchange exchange = message(record, null);
        Object before = exchange.getIn().getBody();

        payloads.resolve(exchange);

        assertSame(before, exchange.getIn().getBody());
        assertNull(exchange.getProperty(ExchangeProps.PAYLOAD_POINTER));
    }
}
