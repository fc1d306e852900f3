package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Server-side encryption is Camel's aws2-s3 component keys: with SSE-KMS configured, every object
 * the app writes (raw body, failure report, usage NDJSON and CSV) is sent with the SSE headers.
 * The headers are read from each request the SDK is about to sign and send. S3Proxy does not do SSE
 * (it answers 501), so the test takes them off after reading them; IngestLocalStackIT checks a real
 * S3 implementation stores the objects encrypted.
 */
class EncryptionRouteTest extends RouteTestSupport {

    private static final String SSE = "x-amz-server-side-encryption";
    private static final String SSE_KEY = "x-amz-server-side-encryption-aws-kms-key-id";
    private static final String KEY_ID = "arn:aws:kms:us-east-1:000000000000:key/meter-ingest-test";

    /** "PutObject <sse> <kms key>" for each PUT the app sent */
    private final List<String> puts = new CopyOnWriteArrayList<>();

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of(
                "camel.component.aws2-s3.use-aws-kms", "true",
                "camel.component.aws2-s3.aws-kms-key-id", KEY_ID,
                "camel.component.aws2-s3.amazon-s3-client", "#wireRecordedS3Client");
    }

    @Override
    protected Registry createCamelRegistry() throws Exception {
        Registry registry = super.createCamelRegistry();
        registry.bind("wireRecordedS3Client", S3Client.builder()
                .endpointOverride(servers().s3Endpoint()).forcePathStyle(true)
                .region(Region.of(EmbeddedAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
                        SdkHttpRequest request = context.httpRequest();
                        if (!"PutObject".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                            return request;
                        }
                        puts.add("PutObject " + request.firstMatchingHeader(SSE).orElse("-") + " "
                                + request.firstMatchingHeader(SSE_KEY).orElse("-"));
                        // S3Proxy answers SSE with 501 Not Implemented: recorded, then taken off before signing
                        return request.toBuilder().removeHeader(SSE).removeHeader(SSE_KEY).build();
                    }
                }))
                .build());
        return registry;
    }

    @Test
    void every_object_written_carries_the_configured_kms_encryption() throws Exception {
        send(Records.sampleNdjson());
        send("{\"meterApiName\":\"ComputeHours\",\"meterValue\":1,\"meterTimeInMillis\":1619445680000}");
        startConsumer();
        awaitQueueEmpty();
        flushAllWindows();

        assertEquals(2, keys("raw/").size());
        assertEquals(1, keys("failed-requests/").size());
        assertEquals(2, keys("usage/").size());
        // two raw bodies, one failure report, the usage NDJSON and its CSV twin
        assertEquals(5, puts.size(), puts.toString());
        assertTrue(puts.stream().allMatch(p -> p.equals("PutObject aws:kms " + KEY_ID)), puts.toString());
    }
}
