package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Faults injected into the real servers while the packaged jar works through a stream, each ending
 * with the contract's invariant: every raw body in S3 or the DLQ, totals exact.
 */
class FaultInjectionIT {

    @TempDir
    Path work;

    @Test
    void s3_down_for_20_seconds_mid_stream_dead_letters_and_a_redrive_makes_the_totals_exact() throws Exception {
        UsageWorkload workload = new UsageWorkload(System.nanoTime(), 240, 10, 30, System.currentTimeMillis());
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            aws.createQueues("meter-ingest.fifo", "meter-ingest-dlq.fifo", 20);
            aws.createBucket("meter-ingest");
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
            int jmxPort = FreePort.find();
            Map<String, String> props = new HashMap<>(aws.camelProperties());
            props.put("ingest.embedded", "false");
            props.put("ingest.jmx.port", String.valueOf(jmxPort));
            props.put("camel.management.port", String.valueOf(FreePort.find()));
            props.put("ingest.store.url", "jdbc:h2:file:" + work.resolve("store").toAbsolutePath() + ";WRITE_DELAY=0");
            props.put("ingest.aggregation.grace", "PT1S");
            props.put("ingest.aggregation.flush-interval", "2000");
            props.put("camel.component.aws2-sqs.wait-time-seconds", "1");
            List<String> sent = new ArrayList<>();
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                int half = workload.messages.size() / 2;
                for (int i = 0; i < workload.messages.size(); i++) {
                    if (i == half) {
                        // mid-stream: S3 goes away for 20 s while messages keep coming
                        int s3Port = aws.s3Port();
                        aws.stopS3();
                        long back = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                        for (; i < workload.messages.size() && System.nanoTime() < back; i++) {
                            sent.add(send(sqs, queueUrl, workload.messages.get(i)));
                            Thread.onSpinWait();
                        }
                        await().atMost(Duration.ofSeconds(25)).until(() -> System.nanoTime() >= back);
                        aws.startS3(s3Port);
                        i--;
                        continue;
                    }
                    sent.add(send(sqs, queueUrl, workload.messages.get(i)));
                }
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> messages(sqs, queueUrl) == 0);
                int deadLettered = count(app.output(), "dead-lettered to meter-ingest-dlq.fifo");
                assertTrue(deadLettered > 0, "S3 was down mid-stream, so some raw bodies went to the DLQ");

                try (JarProcess redrive = JarProcess.start(Map.of("ingest.jmx.port", String.valueOf(jmxPort)), "redrive")) {
                    assertEquals(0, redrive.awaitExit(Duration.ofSeconds(120)), redrive.output());
                    assertTrue(redrive.output().contains("redrive done: " + deadLettered + " message(s) moved back"),
                            redrive.output());
                }
                String dlqUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest-dlq.fifo")).queueUrl();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> messages(sqs, queueUrl) == 0 && messages(sqs, dlqUrl) == 0);
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());

                // every sent message: its raw body archived under its id, or dead-lettered (then archived after the redrive)
                List<String> raw = s3.listObjectsV2Paginator(b -> b.bucket("meter-ingest").prefix("raw/")).contents()
                        .stream().map(S3Object::key).map(k -> k.substring(k.lastIndexOf('/') + 1)).toList();
                List<String> deadIds = ids(app.output());
                List<String> lost = sent.stream().filter(id -> !raw.contains(id) && !deadIds.contains(id)).toList();
                assertEquals(List.of(), lost, "messages neither archived nor dead-lettered");
                // the dead-lettered ones were archived after the redrive, under their new message ids
                assertEquals(sent.size(), raw.size(), "each body archived once");
            }
            List<String> rows = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket("meter-ingest").prefix("usage/")).contents()) {
                if (object.key().endsWith(".ndjson")) {
                    rows.addAll(s3.getObjectAsBytes(b -> b.bucket("meter-ingest").key(object.key()))
                            .asString(StandardCharsets.UTF_8).lines().toList());
                }
            }
            assertEquals(List.of(), workload.differences(rows), "totals after the outage and the redrive");
        }
    }

    private static String send(SqsClient sqs, String queueUrl, UsageWorkload.Message message) {
        return sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message.body()).messageGroupId(message.group())
                .messageDeduplicationId(UUID.randomUUID().toString())).messageId();
    }

    private static int messages(SqsClient sqs, String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }

    private static List<String> ids(String output) {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("message (\\S+) dead-lettered to").matcher(output);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }
}
