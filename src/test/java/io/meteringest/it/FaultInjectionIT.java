package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.testkit.AwsKit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

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
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 20);
            Map<String, String> props = appOn(aws);
            int jmxPort = FreePort.find();
            props.put("ingest.jmx.port", String.valueOf(jmxPort));
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
                AwsKit.awaitEmpty(sqs, Duration.ofMinutes(3), queueUrl);
                int deadLettered = app.occurrences("dead-lettered to meter-ingest-dlq.fifo");
                assertTrue(deadLettered > 0, "S3 was down mid-stream, so some raw bodies went to the DLQ");

                try (JarProcess redrive = JarProcess.start(Map.of("ingest.jmx.port", String.valueOf(jmxPort)), "redrive")) {
                    assertEquals(0, redrive.awaitExit(Duration.ofSeconds(120)), redrive.output());
                    assertTrue(redrive.output().contains("redrive done: " + deadLettered + " message(s) moved back"),
                            redrive.output());
                }
                String dlqUrl = AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE);
                AwsKit.awaitEmpty(sqs, Duration.ofMinutes(2), queueUrl, dlqUrl);
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());

                // every sent message: its raw body archived under its id, or dead-lettered (then archived after the redrive)
                List<String> raw = AwsKit.rawMessageIds(s3, AwsKit.BUCKET);
                List<String> deadIds = ids(app.output());
                List<String> lost = sent.stream().filter(id -> !raw.contains(id) && !deadIds.contains(id)).toList();
                assertEquals(List.of(), lost, "messages neither archived nor dead-lettered");
                // the dead-lettered ones were archived after the redrive, under their new message ids
                assertEquals(sent.size(), raw.size(), "each body archived once");
            }
            assertEquals(List.of(), workload.differences(AwsKit.usageRows(s3, AwsKit.BUCKET)), "totals after the outage and the redrive");
        }
    }

    @Test
    void sqs_down_for_20_seconds_the_consumer_backs_off_resumes_by_itself_and_loses_nothing() throws Exception {
        UsageWorkload workload = new UsageWorkload(System.nanoTime(), 120, 10, 20, System.currentTimeMillis());
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            // its 1 s receives are the worst case for a consumer that would retry in a tight loop
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 20);
            Map<String, String> props = appOn(aws);
            List<String> sent = new ArrayList<>();
            int half = workload.messages.size() / 2;
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                sendAll(sqs, queueUrl, workload.messages.subList(0, half), sent);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> app.occurrences(" done: ") >= half / 2);

                aws.stopSqs();
                int before = sqsCalls(app).size();
                Thread.sleep(Duration.ofSeconds(20).toMillis()); // the outage itself, not a wait for a condition
                List<String> calls = sqsCalls(app);
                aws.restartSqs();
                List<String> outage = calls.subList(before, calls.size());
                int during = outage.size();
                // the poll loop: without a backoff each consumer thread would fail a poll (the SDK's 4 attempts) every
                // ~1.5 s, 50+ attempts per thread in 20 s, and a tight retry loop thousands; Camel's backoff (a failed
                // poll skips the next 20) leaves a handful of polls per thread (6 allowed)
                long receives = outage.stream().filter(c -> c.equals("Sqs:ReceiveMessage")).count();
                int consumers = shippedConsumers();
                String seen = during + " " + outage.stream().collect(java.util.stream.Collectors.groupingBy(c -> c,
                        java.util.stream.Collectors.counting()));
                System.out.println("SQS calls during the 20 s outage: " + seen);
                assertTrue(receives <= 6L * 4 * consumers, "SQS calls while SQS was down for 20 s: " + seen);
                // the rest is bounded by the polls in flight when it went down (a batch delete or a release per
                // message, a few attempts each) and the readiness probe
                assertTrue(during <= receives + consumers * 4 * 11 + 10, "SQS calls while SQS was down for 20 s: " + seen);
                assertTrue(during > 0, "the consumer kept trying while SQS was down");

                sendAll(sqs, queueUrl, workload.messages.subList(half, workload.messages.size()), sent);
                // resumes by itself: nobody restarts the route or the process
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> app.occurrences(" done: ") >= sent.size() && AwsKit.messagesOn(sqs, queueUrl) == 0);
                String dlqUrl = AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE);
                assertEquals(0, AwsKit.messagesOn(sqs, dlqUrl), "nothing dead-lettered");
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());
            }
            List<String> raw = AwsKit.rawMessageIds(s3, AwsKit.BUCKET);
            assertEquals(List.of(), sent.stream().filter(id -> !raw.contains(id)).toList(), "sent but not archived");
            assertEquals(List.of(), workload.differences(AwsKit.usageRows(s3, AwsKit.BUCKET)), "totals after the SQS outage");
        }
    }

    @Test
    void store_down_keeps_messages_on_the_queue_takes_readiness_down_and_resumes_when_it_returns() throws Exception {
        UsageWorkload workload = new UsageWorkload(System.nanoTime(), 60, 10, 10, System.currentTimeMillis());
        int storePort = FreePort.find();
        // the usage store as a database server the test can stop and start: H2 in server mode
        String[] storeServer = {"-tcp", "-tcpPort", String.valueOf(storePort), "-ifNotExists",
                "-baseDir", work.resolve("store").toAbsolutePath().toString()};
        org.h2.tools.Server store = org.h2.tools.Server.createTcpServer(storeServer).start();
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 20);
            Map<String, String> props = appOn(aws);
            int managementPort = Integer.parseInt(props.get("camel.management.port"));
            props.put("ingest.store.url", "jdbc:h2:tcp://127.0.0.1:" + storePort + "/usage-store");
            props.put("ingest.probe-interval", "1000");
            props.put("camel.component.aws2-sqs.visibility-timeout", "5");
            List<String> sent = new ArrayList<>();
            int half = workload.messages.size() / 2;
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                sendAll(sqs, queueUrl, workload.messages.subList(0, half), sent);
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                        .until(() -> app.occurrences(" done: ") >= half && AwsKit.messagesOn(sqs, queueUrl) == 0);
                await().atMost(Duration.ofSeconds(15)).until(() -> ready(managementPort) == 200);

                double receivedBefore = counter(managementPort, "meter_ingest_messages_received");
                double deletedBefore = counter(managementPort, "meter_ingest_messages_deleted");
                store.stop();
                sendAll(sqs, queueUrl, workload.messages.subList(half, workload.messages.size()), sent);
                int held = sent.size() - half;
                await().atMost(Duration.ofSeconds(20)).until(() -> ready(managementPort) == 503);
                // the outage meets the consumer: more receives than messages on the queue means SQS handed at least
                // one of them out again after its visibility timeout, because the poll that had it failed and left it
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> counter(managementPort, "meter_ingest_messages_received") - receivedBefore > held);
                // and all that while (the counters and the log add up since the start) nothing was accounted or deleted
                assertEquals(deletedBefore, counter(managementPort, "meter_ingest_messages_deleted"), "deletes while the store was down");
                assertEquals(half, app.occurrences(" done: "), "messages done while the store was down");
                assertEquals(held, AwsKit.messagesOn(sqs, queueUrl), "messages kept on the queue");
                assertEquals(503, ready(managementPort));

                store = org.h2.tools.Server.createTcpServer(storeServer).start();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> app.occurrences(" done: ") >= sent.size() && AwsKit.messagesOn(sqs, queueUrl) == 0);
                await().atMost(Duration.ofSeconds(15)).until(() -> ready(managementPort) == 200);
                String dlqUrl = AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE);
                assertEquals(0, AwsKit.messagesOn(sqs, dlqUrl), "nothing dead-lettered");
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());
            }
            assertEquals(List.of(), workload.differences(AwsKit.usageRows(s3, AwsKit.BUCKET)), "totals after the store outage");
        } finally {
            store.stop();
        }
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    private static int ready(int managementPort) throws Exception {
        return HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A counter of /observe/metrics ({@code meter_ingest_messages_received} for its {@code _total} line); 0 before its first count. */
    private static double counter(int managementPort, String name) throws Exception {
        String metrics = HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + managementPort + "/observe/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Matcher line = Pattern.compile("^" + name + "_total\\{[^}]*\\} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    /** camel.component.aws2-sqs.concurrent-consumers in the shipped application.properties. */
    private static int shippedConsumers() throws java.io.IOException {
        return Integer.parseInt(JarProcess.shippedSettings().getProperty("camel.component.aws2-sqs.concurrent-consumers", "1").trim());
    }

    private static List<String> sqsCalls(JarProcess app) throws java.io.IOException {
        return app.awsCalls().stream().filter(call -> call.startsWith("Sqs:")).toList();
    }

    /** The jar's settings against {@code aws}: short receives, quick flushes. */
    private Map<String, String> appOn(EmbeddedAws aws) throws java.io.IOException {
        Map<String, String> props = JarProcess.against(aws, work);
        props.put("ingest.aggregation.grace", "PT1S");
        props.put("ingest.aggregation.flush-interval", "2000");
        return props;
    }

    private static void sendAll(SqsClient sqs, String queueUrl, List<UsageWorkload.Message> messages, List<String> sent) {
        for (UsageWorkload.Message message : messages) {
            sent.add(send(sqs, queueUrl, message));
        }
    }

    private static String send(SqsClient sqs, String queueUrl, UsageWorkload.Message message) {
        return AwsKit.send(sqs, queueUrl, message.body(), message.group());
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
