package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.usage.StoreDatabases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Two instances of the packaged jar consume one queue and share their usage state in PostgreSQL:
 * SQS spreads the messages, the totals stay exact. Skipped, with the reason, where PostgreSQL is not
 * reachable (.ci/run installs and starts it).
 */
class UsageScaleOutIT {

    @TempDir
    Path work;

    @Test
    void two_instances_sharing_postgresql_give_exact_totals() throws Exception {
        String unavailable = StoreDatabases.postgresUnavailable();
        assumeTrue(unavailable == null, unavailable);
        long seed = System.nanoTime();
        UsageWorkload workload = new UsageWorkload(seed, 500, 20, 40, System.currentTimeMillis());
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            aws.createQueues("meter-ingest.fifo", "meter-ingest-dlq.fifo", 20);
            aws.createBucket("meter-ingest");
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
            Map<String, String> props = new HashMap<>(aws.camelProperties());
            props.put("ingest.embedded", "false");
            props.put("ingest.store.url", StoreDatabases.freshPostgresSchema());
            props.put("ingest.store.user", StoreDatabases.POSTGRES_USER);
            props.put("ingest.store.password", StoreDatabases.POSTGRES_PASSWORD);
            props.put("ingest.aggregation.grace", "PT1S");
            props.put("ingest.aggregation.flush-interval", "1000");
            props.put("camel.component.aws2-sqs.wait-time-seconds", "1");

            try (JarProcess first = JarProcess.start(props); JarProcess second = JarProcess.start(props)) {
                first.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                second.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                for (UsageWorkload.Message message : workload.messages) {
                    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message.body()).messageGroupId(message.group())
                            .messageDeduplicationId(UUID.randomUUID().toString()));
                }
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
                    return a.values().stream().allMatch("0"::equals);
                });
                assertEquals(0, first.terminate(Duration.ofSeconds(90)), first.output());
                assertEquals(0, second.terminate(Duration.ofSeconds(90)), second.output());
                int byFirst = first.output().split(" done: ", -1).length - 1;
                int bySecond = second.output().split(" done: ", -1).length - 1;
                System.out.printf("scale-out run (seed %d): %d records, %d messages; instance 1 took %d, instance 2 took %d%n",
                        seed, workload.records, workload.messages.size(), byFirst, bySecond);
                assertTrue(byFirst > 0 && bySecond > 0, "both instances consumed: " + byFirst + " / " + bySecond);
            }

            List<String> rows = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket("meter-ingest").prefix("usage/")).contents()) {
                if (object.key().endsWith(".ndjson")) {
                    rows.addAll(s3.getObjectAsBytes(b -> b.bucket("meter-ingest").key(object.key()))
                            .asString(StandardCharsets.UTF_8).lines().toList());
                }
            }
            assertEquals(List.of(), workload.differences(rows),
                    "key/window totals of both instances' rows that differ from the truth (seed " + seed + ")");
        }
    }
}
