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
            Map<String, String> props = appOn(aws);
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
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
            assertEquals(List.of(), workload.differences(usageRows(s3)), "totals after the outage and the redrive");
        }
    }

    @Test
    void sqs_down_for_20_seconds_the_consumer_backs_off_resumes_by_itself_and_loses_nothing() throws Exception {
        UsageWorkload workload = new UsageWorkload(System.nanoTime(), 120, 10, 20, System.currentTimeMillis());
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            // its 1 s receives are the worst case for a consumer that would retry in a tight loop
            Map<String, String> props = appOn(aws);
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
            List<String> sent = new ArrayList<>();
            int half = workload.messages.size() / 2;
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                sendAll(sqs, queueUrl, workload.messages.subList(0, half), sent);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(app.output(), " done: ") >= half / 2);

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
                        .until(() -> count(app.output(), " done: ") >= sent.size() && messages(sqs, queueUrl) == 0);
                String dlqUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest-dlq.fifo")).queueUrl();
                assertEquals(0, messages(sqs, dlqUrl), "nothing dead-lettered");
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());
            }
            List<String> raw = s3.listObjectsV2Paginator(b -> b.bucket("meter-ingest").prefix("raw/")).contents()
                    .stream().map(S3Object::key).map(k -> k.substring(k.lastIndexOf('/') + 1)).toList();
            assertEquals(List.of(), sent.stream().filter(id -> !raw.contains(id)).toList(), "sent but not archived");
            assertEquals(List.of(), workload.differences(usageRows(s3)), "totals after the SQS outage");
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
            Map<String, String> props = appOn(aws);
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
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
                        .until(() -> count(app.output(), " done: ") >= half && messages(sqs, queueUrl) == 0);
                await().atMost(Duration.ofSeconds(15)).until(() -> ready(managementPort) == 200);

                store.stop();
                sendAll(sqs, queueUrl, workload.messages.subList(half, workload.messages.size()), sent);
                await().atMost(Duration.ofSeconds(20)).until(() -> ready(managementPort) == 503);
                // 15 s of outage, three visibility timeouts: nothing is accounted or deleted at any point
                await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> count(app.output(), " done: ") == half && messages(sqs, queueUrl) == sent.size() - half);
                assertEquals(half, count(app.output(), " done: "), "messages done while the store was down");
                assertEquals(sent.size() - half, messages(sqs, queueUrl), "messages kept on the queue");
                assertEquals(503, ready(managementPort));

                store = org.h2.tools.Server.createTcpServer(storeServer).start();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> count(app.output(), " done: ") >= sent.size() && messages(sqs, queueUrl) == 0);
                await().atMost(Duration.ofSeconds(15)).until(() -> ready(managementPort) == 200);
                String dlqUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest-dlq.fifo")).queueUrl();
                assertEquals(0, messages(sqs, dlqUrl), "nothing dead-lettered");
                assertEquals(0, app.terminate(Duration.ofSeconds(90)), app.output());
            }
            assertEquals(List.of(), workload.differences(usageRows(s3)), "totals after the store outage");
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

    /** camel.component.aws2-sqs.concurrent-consumers in the shipped application.properties. */
    private static int shippedConsumers() throws java.io.IOException {
        return Integer.parseInt(JarProcess.shippedSettings().getProperty("camel.component.aws2-sqs.concurrent-consumers", "1").trim());
    }

    private static List<String> sqsCalls(JarProcess app) throws java.io.IOException {
        return app.awsCalls().stream().filter(call -> call.startsWith("Sqs:")).toList();
    }

    private static List<String> usageRows(S3Client s3) {
        List<String> rows = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket("meter-ingest").prefix("usage/")).contents()) {
            if (object.key().endsWith(".ndjson")) {
                rows.addAll(s3.getObjectAsBytes(b -> b.bucket("meter-ingest").key(object.key()))
                        .asString(StandardCharsets.UTF_8).lines().toList());
            }
        }
        return rows;
    }

    /** Creates the queues and the bucket; the jar's settings against them: short receives, quick flushes. */
    private Map<String, String> appOn(EmbeddedAws aws) throws java.io.IOException {
        aws.createQueues("meter-ingest.fifo", "meter-ingest-dlq.fifo", 20);
        aws.createBucket("meter-ingest");
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
