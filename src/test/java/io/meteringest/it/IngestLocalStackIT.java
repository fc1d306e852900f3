package io.meteringest.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The same pipeline on LocalStack's SQS and S3, with the packaged jar in its real-AWS mode
 * (ingest.embedded=false). Runs where Docker exists; reported as skipped where it does not.
 */
@Testcontainers(disabledWithoutDocker = true)
class IngestLocalStackIT {

    @Container
    static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer("localstack/localstack:4.4").withServices("sqs", "s3");

    @Test
    void archives_and_validates_the_samples_on_localstack() throws Exception {
        var credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        Region region = Region.of(LOCALSTACK.getRegion());
        try (SqsClient sqs = SqsClient.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).build();
             S3Client s3 = S3Client.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                     .forcePathStyle(true).credentialsProvider(credentials).build()) {
            String queueUrl = AwsKit.createQueues(sqs, AwsKit.QUEUE, AwsKit.DEAD_LETTER_QUEUE, 5);
            s3.createBucket(b -> b.bucket(AwsKit.BUCKET));

            Map<String, String> props = new HashMap<>();
            props.put("ingest.embedded", "false");
            for (String component : List.of("aws2-sqs", "aws2-s3")) {
                String prefix = "camel.component." + component + ".";
                props.put(prefix + "uri-endpoint-override", LOCALSTACK.getEndpoint().toString());
                props.put(prefix + "override-endpoint", "true");
                props.put(prefix + "region", LOCALSTACK.getRegion());
                props.put(prefix + "use-default-credentials-provider", "false");
                props.put(prefix + "access-key", LOCALSTACK.getAccessKey());
                props.put(prefix + "secret-key", LOCALSTACK.getSecretKey());
            }
            props.put("camel.component.aws2-s3.force-path-style", "true");
            // SSE-S3 on every object written; S3Proxy in the other tests does not implement SSE
            props.put("camel.component.aws2-s3.use-sse-s3", "true");
            byte[] ndjson = Records.sampleNdjsonBytes();
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(120));
                String id = AwsKit.send(sqs, queueUrl, new String(ndjson, StandardCharsets.UTF_8));
                app.awaitOutput("message " + id + " done: 3 accepted (0 duplicate), 0 rejected", Duration.ofSeconds(60));
                List<String> raw = AwsKit.keys(s3, AwsKit.BUCKET, "raw/");
                assertEquals(1, raw.size());
                assertArrayEquals(ndjson, s3.getObjectAsBytes(b -> b.bucket(AwsKit.BUCKET).key(raw.get(0))).asByteArray());
                assertEquals(ServerSideEncryption.AES256,
                        s3.headObject(b -> b.bucket(AwsKit.BUCKET).key(raw.get(0))).serverSideEncryption());
                AwsKit.awaitEmpty(sqs, Duration.ofSeconds(30), queueUrl);
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
            }
        }
    }
}
