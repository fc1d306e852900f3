package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.WorkedExample;
import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The packaged jar's life cycle, run from a copy of the project folder so its routes can be edited:
 * graceful SIGTERM with slow in-flight work, and route reload in the local profile.
 */
class LifecycleIT {

    private static final String RECORD =
            "{\"customerId\":\"c\",\"meterApiName\":\"ComputeHours\",\"meterValue\":1,\"meterTimeInMillis\":1619445706909}";

    @TempDir
    Path folder;

    @Test
    void sigterm_stops_within_the_shutdown_timeout_flushes_and_exits_0_leaving_unfinished_messages_on_the_queue() throws Exception {
        JarProcess.copyProject(folder);
        // slow accounting: each message takes 2 s (and says when it starts)
        Path aggregate = folder.resolve("routes").resolve("usage-aggregate.camel.yaml");
        Files.writeString(aggregate, Files.readString(aggregate).replace("      steps:\n",
                "      steps:\n        - log:\n            message: \"slow record starts\"\n"
                        + "        - delay:\n            constant: 2000\n            asyncDelayed: false\n"));
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, folder.resolve("s3")); SqsClient sqs = aws.sqsClient()) {
            aws.createQueues("meter-ingest.fifo", "meter-ingest-dlq.fifo", 5);
            aws.createBucket("meter-ingest");
            Map<String, String> props = JarProcess.against(aws, folder);
            // 6 messages of 2 s each do not fit: the shutdown is bounded, the rest stays queued
            props.put("camel.main.shutdown-timeout", "5");
            String queueUrl = sqs.getQueueUrl(b -> b.queueName("meter-ingest.fifo")).queueUrl();
            try (JarProcess app = JarProcess.startIn(folder, props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                String group = UUID.randomUUID().toString();
                // one message, then five more: a receive is one poll, so the five come in the next one,
                // and SIGTERM lands while that poll works through them
                for (int i = 0; i < 6; i++) {
                    int n = i;
                    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(RECORD.replace("\"c\"", "\"c-" + n + "\""))
                            .messageGroupId(group).messageDeduplicationId(UUID.randomUUID().toString()));
                    if (i == 0) {
                        app.awaitOutput(" done: ", Duration.ofSeconds(30));
                    }
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> app.output().split("slow record starts", -1).length - 1 >= 2);
                long stopping = System.nanoTime();
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
                double seconds = (System.nanoTime() - stopping) / 1e9;
                int done = app.output().split(" done: ", -1).length - 1;
                assertTrue(seconds < 15, "stopped within the shutdown timeout (5 s) plus the flush, took " + seconds + " s");
                assertTrue(done < 6, "SIGTERM came mid-stream: " + done + " done\n" + app.output());
                assertTrue(app.output().contains("open usage windows flushed before shutdown"), app.output());
                Map<QueueAttributeName, String> left = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
                assertEquals(6 - done, left.values().stream().mapToInt(Integer::parseInt).sum(),
                        "messages not finished stay on the queue");
            }
        }
    }

    @Test
    void in_the_local_profile_an_edited_route_file_is_reloaded_without_a_restart() throws Exception {
        JarProcess.copyProject(folder);
        int sqsPort = FreePort.find();
        Map<String, String> props = Map.of(
                "ingest.local.sqs-port", String.valueOf(sqsPort),
                "ingest.local.s3-port", String.valueOf(FreePort.find()),
                "camel.management.port", String.valueOf(FreePort.find()),
                "ingest.store.url", "jdbc:h2:file:" + folder.resolve("store").toAbsolutePath() + ";WRITE_DELAY=0");
        try (JarProcess app = JarProcess.startIn(folder, props)) {
            app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
            Path routes = folder.resolve("routes");
            // README "Changing routes": ComputeHours to an endpoint of its own, which says so in the log
            WorkedExample.addEndpoint(routes);
            app.awaitOutput("usage-aggregate-compute-hours", Duration.ofSeconds(30));
            WorkedExample.routeComputeHours(routes);
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(2)).until(() ->
                    app.output().split("usage-route", -1).length > 3);
            try (JarProcess sender = JarProcess.startIn(Path.of("."), Map.of("ingest.local.sqs-port", String.valueOf(sqsPort)),
                    "send", "samples/compute-hours.ndjson")) {
                assertEquals(0, sender.awaitExit(Duration.ofSeconds(60)), sender.output());
            }
            // all three ComputeHours records of the sample arrive at the new endpoint
            app.awaitOutput("compute-hours endpoint took 3 record(s) of message ", Duration.ofSeconds(30));
            assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
        }
    }
}
