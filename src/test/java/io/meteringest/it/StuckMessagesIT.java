package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Messages that do not go through on the packaged jar: one that fails every time (a route that
 * throws for its record) and one slower than the visibility timeout (a route that waits). Each ends
 * with the contract's invariant: every raw body in S3 or the DLQ, usage totals exact.
 */
class StuckMessagesIT {

    private static final String AGGREGATE_STEPS = "      steps:\n";

    @TempDir
    Path folder;

    private static String record(String customerId) {
        return Records.record(customerId, "M", "1.5");
    }

    /** The project's settings and routes, with extra steps at the start of usage-aggregate. */
    private void copyProjectWithAggregateSteps(String steps) throws Exception {
        JarProcess.copyProject(folder);
        Path aggregate = folder.resolve("routes").resolve("usage-aggregate.camel.yaml");
        Files.writeString(aggregate, Files.readString(aggregate).replace(AGGREGATE_STEPS, AGGREGATE_STEPS + steps));
    }

    private Map<String, String> props(EmbeddedAws aws, int visibilitySeconds) throws Exception {
        Map<String, String> props = JarProcess.against(aws, folder);
        props.put("camel.component.aws2-sqs.visibility-timeout", String.valueOf(visibilitySeconds));
        return props;
    }

    private static String send(SqsClient sqs, String url, String body, String group) {
        return AwsKit.send(sqs, url, body, group);
    }

    @Test
    void a_poison_message_reaches_the_dlq_after_max_receive_count_and_its_group_goes_on() throws Exception {
        copyProjectWithAggregateSteps("""
                        - filter:
                            simple: "${body.records[0].customerId} == 'poison'"
                            steps:
                              - throwException:
                                  exceptionType: java.lang.IllegalStateException
                                  message: "poison: fails every time"
                """);
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, folder.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            String url = AwsKit.createShippedQueuesAndBucket(aws, sqs, 3);
            String dlqUrl = AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE);
            List<String> good = new ArrayList<>();
            String poison;
            try (JarProcess app = JarProcess.startIn(folder, props(aws, 2))) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                poison = send(sqs, url, record("poison"), "group-p");
                good.add(send(sqs, url, record("other-group"), "group-q"));

                List<Message> dead = new ArrayList<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    dead.addAll(sqs.receiveMessage(b -> b.queueUrl(dlqUrl).waitTimeSeconds(1)).messages());
                    return !dead.isEmpty();
                });
                assertEquals(record("poison"), dead.get(0).body());
                // one failed attempt per receive, and the queue's redrive took it after the third
                assertEquals(3, app.occurrences("caught: java.lang.IllegalStateException: poison: fails every time"),
                        app.output());

                // the poison's group is not blocked forever
                good.add(send(sqs, url, record("later-in-group-p"), "group-p"));
                for (String id : good) {
                    app.awaitOutput("message " + id + " done: 1 accepted", Duration.ofSeconds(30));
                }
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
            }
            // every body in S3 or the DLQ: all archived (the poison one before each failed accounting) and it dead-lettered
            List<String> raw = AwsKit.rawMessageIds(s3, AwsKit.BUCKET);
            assertTrue(raw.containsAll(good) && raw.contains(poison), raw.toString());
            assertEquals(Map.of("other-group", "1.5 x 1", "later-in-group-p", "1.5 x 1"), usage(s3));
        }
    }

    @Test
    void a_message_slower_than_the_visibility_timeout_is_extended_and_processed_once() throws Exception {
        copyProjectWithAggregateSteps("""
                        - filter:
                            simple: "${body.records[0].customerId} == 'slow'"
                            steps:
                              - delay:
                                  constant: 7000
                                  asyncDelayed: false
                """);
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, folder.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            String url = AwsKit.createShippedQueuesAndBucket(aws, sqs, 5);
            try (JarProcess app = JarProcess.startIn(folder, props(aws, 3))) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                // 7 s of work against a 3 s visibility timeout
                String slow = send(sqs, url, record("slow"), "group-s");
                String quick = send(sqs, url, record("quick"), "group-t");
                app.awaitOutput("message " + slow + " done: 1 accepted (0 duplicate)", Duration.ofSeconds(40));
                app.awaitOutput("message " + quick + " done: 1 accepted (0 duplicate)", Duration.ofSeconds(10));
                // done means deleted: once the queue is empty nothing can hand the message out again
                AwsKit.awaitEmpty(sqs, Duration.ofSeconds(30), url);
                assertTrue(app.awsCalls().stream().anyMatch(c -> c.startsWith("Sqs:ChangeMessageVisibility")),
                        "visibility extended while the message was worked on");
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
                // the whole log, once the process has exited: no other consumer thread got it meanwhile, so it was
                // processed once and never seen as a duplicate
                assertEquals(1, app.occurrences("message " + slow + " "), app.output());
            }
            assertTrue(AwsKit.rawMessageIds(s3, AwsKit.BUCKET).size() == 2);
            assertEquals(Map.of("slow", "1.5 x 1", "quick", "1.5 x 1"), usage(s3));
        }
    }

    /** customerId -> "sum x count" over every usage row written (the shutdown flush writes them all). */
    private static Map<String, String> usage(S3Client s3) throws Exception {
        Map<String, String> usage = new HashMap<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : AwsKit.usageRows(s3, AwsKit.BUCKET)) {
            var row = json.readTree(line);
            usage.merge(row.get("customerId").asText(), row.get("sum").asText() + " x " + row.get("count").asText(),
                    (a, b) -> a + " + " + b);
        }
        return usage;
    }
}
