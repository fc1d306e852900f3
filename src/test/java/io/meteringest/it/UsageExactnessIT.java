package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.testkit.AwsKit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The invariant on the packaged jar: 20,000+ records over many groups, with duplicate uniqueIds,
 * identical-content retries sent as new messages and exact resends, while the process is SIGKILLed
 * three times mid-stream and restarted, then SIGTERMed. Summed usage rows must equal the ground
 * truth exactly, and every message's raw body must be in S3.
 */
class UsageExactnessIT {

    @TempDir
    Path work;

    /** On both single-instance stores: RocksDB (shipped; a poll is one synced WAL write) and H2 (SQL). */
    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2"})
    void usage_rows_equal_the_ground_truth_across_kills_redeliveries_and_duplicate_sends(String store) throws Exception {
        long seed = Long.getLong("exactness.seed", System.nanoTime());
        Random random = new Random(seed);
        UsageWorkload workload = new UsageWorkload(seed, 1100, 20, 60, System.currentTimeMillis());
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 20);
            Map<String, String> props = appProperties(aws, store);

            List<String> sentIds = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger exactResends = new AtomicInteger();
            Thread producer = new Thread(() -> send(sqs, queueUrl, workload, sentIds, exactResends, seed), "producer");
            long started = System.nanoTime();
            JarProcess app = JarProcess.start(props);
            StringBuilder outputs = new StringBuilder();
            try {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                producer.start();
                for (int kill = 1; kill <= 3; kill++) {
                    // let it work for a random while, mid-stream, then kill -9 and start again
                    awaitProcessed(app, 1 + random.nextInt(150), Duration.ofSeconds(120));
                    app.close();
                    outputs.append(app.output());
                    app = JarProcess.start(props);
                    app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                }
                producer.join();
                AwsKit.awaitEmpty(sqs, Duration.ofMinutes(5), queueUrl);
                double seconds = (System.nanoTime() - started) / 1e9;
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());
                outputs.append(app.output());
                System.out.printf("exactness run (seed %d): %d records in %d messages (%d exact resends), "
                                + "%d duplicates, %d invalid; %d redeliveries found accounted; %.0f records/s"
                                + " including 3 kills and restarts%n",
                        seed, workload.records, sentIds.size(), exactResends.get(), workload.duplicates, workload.invalid,
                        JarProcess.occurrences(outputs.toString(), "was accounted before"), workload.records / seconds);
            } finally {
                app.close();
            }

            Set<String> rawIds = Set.copyOf(AwsKit.rawMessageIds(s3, AwsKit.BUCKET));
            List<String> missing = sentIds.stream().filter(id -> !rawIds.contains(id)).toList();
            assertEquals(List.of(), missing, "messages without a raw archive");
            assertEquals(0, AwsKit.messagesOn(sqs, AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE)));

            List<String> rows = AwsKit.usageRows(s3, AwsKit.BUCKET);
            assertTrue(workload.records >= 20_000, "workload of " + workload.records + " records");
            assertEquals(List.of(), workload.differences(rows), "key/window totals that differ (seed " + seed + ")");
        }
    }

    private Map<String, String> appProperties(EmbeddedAws aws, String store) {
        Map<String, String> props = new HashMap<>(aws.camelProperties());
        props.put("ingest.embedded", "false");
        props.put("ingest.store.url", store.equals("rocksdb") ? "rocksdb:" + work.resolve("store").toAbsolutePath()
                : "jdbc:h2:file:" + work.resolve("store").toAbsolutePath() + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        props.put("ingest.aggregation.grace", "PT1S");
        props.put("ingest.aggregation.flush-interval", "1500");
        // killed mid-message: redelivered after 5 s instead of 30
        props.put("camel.component.aws2-sqs.visibility-timeout", "5");
        props.put("camel.component.aws2-sqs.wait-time-seconds", "1");
        return props;
    }

    /** Producer: batches of 10, each message its own dedup id; some sent twice with the same ids (exact resends). */
    private static void send(SqsClient sqs, String queueUrl, UsageWorkload workload, List<String> sentIds,
                             AtomicInteger exactResends, long seed) {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (UsageWorkload.Message message : workload.messages) {
            SendMessageBatchRequestEntry entry = SendMessageBatchRequestEntry.builder().id(String.valueOf(batch.size()))
                    .messageBody(message.body()).messageGroupId(message.group())
                    .messageDeduplicationId(UUID.randomUUID().toString()).build();
            batch.add(entry);
            if (random.nextInt(100) < 3 && batch.size() < 10) {
                // an exact resend: same body, group and dedup id; SQS drops it within its dedup window
                batch.add(entry.toBuilder().id(String.valueOf(batch.size())).build());
                exactResends.incrementAndGet();
            }
            if (batch.size() >= 9) {
                flush(sqs, queueUrl, batch, sentIds);
            }
        }
        flush(sqs, queueUrl, batch, sentIds);
    }

    private static void flush(SqsClient sqs, String queueUrl, List<SendMessageBatchRequestEntry> batch, List<String> sentIds) {
        if (batch.isEmpty()) {
            return;
        }
        var response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(batch));
        if (response.hasFailed() && !response.failed().isEmpty()) {
            throw new IllegalStateException("send failed: " + response.failed());
        }
        response.successful().forEach(s -> sentIds.add(s.messageId()));
        batch.clear();
    }

    private static void awaitProcessed(JarProcess app, int messages, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> app.occurrences(" done: ") >= messages);
    }
}
