package io.meteringest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.StoreDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

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
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 20);
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
                    AwsKit.send(sqs, queueUrl, message.body(), message.group());
                }
                AwsKit.awaitEmpty(sqs, Duration.ofMinutes(5), queueUrl);
                assertEquals(0, first.terminate(Duration.ofSeconds(90)), first.output());
                assertEquals(0, second.terminate(Duration.ofSeconds(90)), second.output());
                int byFirst = first.occurrences(" done: ");
                int bySecond = second.occurrences(" done: ");
                System.out.printf("scale-out run (seed %d): %d records, %d messages; instance 1 took %d, instance 2 took %d%n",
                        seed, workload.records, workload.messages.size(), byFirst, bySecond);
                assertTrue(byFirst > 0 && bySecond > 0, "both instances consumed: " + byFirst + " / " + bySecond);
            }

            List<String> rows = AwsKit.usageRows(s3, AwsKit.BUCKET);
            assertEquals(List.of(), workload.differences(rows),
                    "key/window totals of both instances' rows that differ from the truth (seed " + seed + ")");
        }
    }
}
