package io.meteringest.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.AwsClients;
import io.meteringest.ExchangeProps;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.support.SynchronizationAdapter;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Messages of the SQS Extended Client: the body is only a pointer,
 * {@code ["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":..,"s3Key":..}]} (or the
 * legacy {@code com.amazon.sqs.javamessaging.MessageS3Pointer}), marked by the {@code ExtendedPayloadSize}
 * (legacy {@code SQSLargePayloadSize}) message attribute, and the payload is an S3 object. The
 * payload is streamed to a temporary file, never held in memory, and that file becomes the body the
 * archive and the split read. The payload object itself is left where the producer put it.
 */
public final class ExtendedPayloads {

    static final List<String> SIZE_ATTRIBUTES = List.of("ExtendedPayloadSize", "SQSLargePayloadSize");
    static final List<String> POINTER_CLASSES = List.of(
            "software.amazon.payloadoffloading.PayloadS3Pointer", "com.amazon.sqs.javamessaging.MessageS3Pointer");

    /** Where a pointer points. */
    record Pointer(String bucket, String key) {
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    private final CamelContext context;
    private final ObjectMapper json;
    private volatile S3Client s3;

    public ExtendedPayloads(CamelContext context, ObjectMapper json) {
        this.context = context;
        this.json = json;
    }

    /**
     * For a pointer: streams the pointed-to payload into a temporary file (deleted when the message's
     * exchange is done) and makes it the body; a missing object or an unreachable S3 fails like an archive
     * write does. Any other body is left as it is.
     */
    public void resolve(Exchange exchange) throws IOException {
        Pointer pointer = pointer(exchange);
        if (pointer == null) {
            return;
        }
        Path file = Files.createTempFile("meter-ingest-payload-", ".body");
        // the file is the message's body for the rest of its poll: it goes when the message's own exchange is done
        Poll poll = exchange.getProperty(ExchangeProps.POLL, Poll.class);
        Exchange owner = poll == null ? exchange
                : poll.entry(exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class)).parked();
        owner.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless; the OS cleans its tmp folder
                }
            }
        });
        try (InputStream payload = client().getObject(b -> b.bucket(pointer.bucket()).key(pointer.key()))) {
            Files.copy(payload, file, StandardCopyOption.REPLACE_EXISTING);
        }
        exchange.setProperty(ExchangeProps.PAYLOAD_POINTER, pointer.toString());
        exchange.getIn().setHeader(AWS2S3Constants.CONTENT_LENGTH, Files.size(file));
        exchange.getIn().setBody(file.toFile());
    }

    Pointer pointer(Exchange exchange) {
        if (SIZE_ATTRIBUTES.stream().noneMatch(name -> exchange.getIn().getHeader(name) != null)) {
            return null;
        }
        Object body = exchange.getIn().getBody();
        if (body instanceof File) {
            return null; // already fetched
        }
        try {
            JsonNode node = json.readTree(exchange.getIn().getBody(byte[].class));
            if (node == null || !node.isArray() || node.size() != 2 || !POINTER_CLASSES.contains(node.get(0).asText())) {
                return null;
            }
            JsonNode target = node.get(1);
            String bucket = target.path("s3BucketName").asText("");
            String key = target.path("s3Key").asText("");
            return bucket.isEmpty() || key.isEmpty() ? null : new Pointer(bucket, key);
        } catch (IOException e) {
            return null; // not a pointer: the body is validated like any other
        }
    }

    private S3Client client() {
        if (s3 == null) {
            s3 = AwsClients.endpointS3(context);
        }
        return s3;
    }
}
