package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.WorkedExample;
import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The packaged jar's life cycle, run from a copy of the project folder so its routes can be edited:
 * graceful SIGTERM with slow in-flight work, and route reload in the local profile.
 */
class LifecycleIT {

    @TempDir
    Path folder;

    @Test
    void sigterm_stops_without_reaching_the_shutdown_timeout_flushes_and_exits_0_leaving_unfinished_messages_on_the_queue()
            throws Exception {
        JarProcess.copyProject(folder);
        // slow accounting: each message takes 2 s (and says when it starts)
        Path aggregate = folder.resolve("routes").resolve("usage-aggregate.camel.yaml");
        Files.writeString(aggregate, Files.readString(aggregate).replace("      steps:\n",
                "      steps:\n        - log:\n            message: \"slow record starts\"\n"
                        + "        - delay:\n            constant: 2000\n            asyncDelayed: false\n"));
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, folder.resolve("s3")); SqsClient sqs = aws.sqsClient()) {
            String queueUrl = AwsKit.createShippedQueuesAndBucket(aws, sqs, 5);
            Map<String, String> props = JarProcess.against(aws, folder);
            // 6 messages of 2 s each do not fit: the shutdown is bounded, the rest stays queued
            props.put("camel.main.shutdown-timeout", "5");
            try (JarProcess app = JarProcess.startIn(folder, props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                String group = UUID.randomUUID().toString();
                // one message, then five more: a receive is one poll, so the five come in the next one,
                // and SIGTERM lands while that poll works through them
                for (int i = 0; i < 6; i++) {
                    int n = i;
                    AwsKit.send(sqs, queueUrl, Records.record("c-" + n, "ComputeHours", "1"), group);
                    if (i == 0) {
                        app.awaitOutput(" done: ", Duration.ofSeconds(30));
                    }
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> app.occurrences("slow record starts") >= 2);
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
                String output = app.output();
                int done = app.occurrences(" done: ");
                // the shutdown did its work inside the 5 s timeout: Camel never gave up waiting for in-flight
                // messages, the consumer stopped, then the open windows were flushed, then Camel shut down
                assertFalse(output.contains("Timeout occurred during graceful shutdown"), output);
                int consumerStopped = output.indexOf("Stopped ingest-consume");
                int flushed = output.indexOf("open usage windows flushed before shutdown");
                int shutdown = output.indexOf("(meter-ingest) shutdown in ");
                assertTrue(consumerStopped >= 0 && flushed > consumerStopped && shutdown > flushed, output);
                assertTrue(done < 6, "SIGTERM came mid-stream: " + done + " done\n" + output);
                assertEquals(6 - done, AwsKit.messagesOn(sqs, queueUrl), "messages not finished stay on the queue");
                // and none is held in flight for the 30 s visibility timeout: one received but not started
                // went back at visibility 0 (ConsumerStopRouteTest covers that hand-back on its own)
                assertEquals(6 - done, AwsKit.visibleOn(sqs, queueUrl), "messages not finished are visible again at once");
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
            int reloads = app.occurrences("Routes reloaded summary");
            WorkedExample.routeComputeHours(routes);
            // the edited usage-route.camel.yaml is live once Camel has reloaded the routes again
            await().atMost(Duration.ofSeconds(30)).until(() -> app.occurrences("Routes reloaded summary") > reloads
                    && app.occurrences("Started usage-route (direct://usage-route)") >= 3);
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
