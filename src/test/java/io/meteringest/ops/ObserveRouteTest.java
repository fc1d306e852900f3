package io.meteringest.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.FreePort;
import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Health and Prometheus metrics over HTTP on the management server, as an operator or Kubernetes reads them. */
class ObserveRouteTest extends RouteTestSupport {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int PORT = FreePort.find();

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("camel.management.port", String.valueOf(PORT), "ingest.probe-interval", "300");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A counter's line in the Prometheus text, e.g. {@code meter_ingest_dead_letters_total{camelContext="meter-ingest"} 1.0}. */
    private static String counter(String name, int value) {
        return name + "_total{camelContext=\"meter-ingest\"} " + value + ".0";
    }

    @Test
    void metrics_count_messages_and_records_and_poll_the_queue() throws Exception {
        send(Records.sampleArray());
        send(Records.sampleNdjson());
        send("{\"customerId\":\"c\",\"meterApiName\":\"M\",\"meterValue\":\"x\",\"meterTimeInMillis\":1}");
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/observe/metrics").body().contains("meter_ingest_queue_depth 3.0"));
        startConsumer();
        awaitQueueEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = get("/observe/metrics").body();
            assertTrue(metrics.contains(counter("meter_ingest_messages_received", 3)), metrics);
            assertTrue(metrics.contains(counter("meter_ingest_messages_deleted", 3)), metrics);
            assertTrue(metrics.contains(counter("meter_ingest_records_accepted", 4)), metrics);
            assertTrue(metrics.contains(counter("meter_ingest_records_rejected", 1)), metrics);
            assertTrue(metrics.contains("meter_ingest_queue_depth 0.0"), metrics);
            assertTrue(metrics.contains("meter_ingest_flush_lag_seconds"), metrics);
            // by aggregation endpoint: the shipped routes have one
            assertTrue(metrics.contains("meter_ingest_records_routed_total{endpoint=\"usage-aggregate\"} 4.0"), metrics);
            assertTrue(metrics.contains("meter_ingest_messages_released_total 0.0"), metrics);
        });
        flushAllWindows();
        assertTrue(get("/observe/metrics").body().contains(counter("meter_ingest_usage_rows_flushed", 4)));
    }

    @Test
    void metrics_count_duplicates() throws Exception {
        String ndjson = Records.sampleNdjson();
        send(ndjson);
        send(ndjson); // a producer's retry as a new message: its 3 records are duplicates
        startConsumer();
        awaitQueueEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = get("/observe/metrics").body();
            assertTrue(metrics.contains(counter("meter_ingest_records_accepted", 6)), metrics);
            assertTrue(metrics.contains(counter("meter_ingest_records_duplicate", 3)), metrics);
        });
    }

    @Test
    void metrics_count_archive_failures_and_dead_letters_while_s3_is_away() throws Exception {
        int s3Port = servers().s3Port();
        servers().stopS3();
        try {
            send(Records.sampleNdjson());
            startConsumer();
            awaitQueueEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String metrics = get("/observe/metrics").body();
                assertTrue(metrics.contains(counter("meter_ingest_archive_failures", 1)), metrics);
                assertTrue(metrics.contains(counter("meter_ingest_dead_letters", 1)), metrics);
                assertTrue(metrics.contains("meter_ingest_dead_letter_queue_depth 1.0"), metrics);
            });
        } finally {
            servers().startS3(s3Port);
        }
    }

    @Test
    void readiness_goes_down_while_sqs_is_unreachable_and_up_when_it_returns() throws Exception {
        startConsumer();
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/observe/health/ready").statusCode() == 200);
        servers().stopSqs();
        try {
            // the consumer's own health check may say so first; the probe's message names the queue
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    get("/observe/health/ready?exposureLevel=full").body().contains("SQS queue " + queue + " unreachable"));
            assertEquals(503, get("/observe/health/ready").statusCode());
            assertEquals(200, get("/observe/health/live").statusCode());
        } finally {
            servers().restartSqs();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/observe/health/ready").statusCode() == 200);
    }

    @Test
    void readiness_goes_down_while_s3_is_unreachable_and_up_when_it_returns() throws Exception {
        startConsumer();
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/observe/health/ready").statusCode() == 200);
        int s3Port = servers().s3Port();
        servers().stopS3();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> get("/observe/health/ready").statusCode() == 503);
            String body = get("/observe/health/ready?exposureLevel=full").body();
            assertTrue(body.contains("S3 bucket " + bucket + " unreachable"), body);
            assertEquals(200, get("/observe/health/live").statusCode(), "an outage is not a reason to restart");
        } finally {
            servers().startS3(s3Port);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/observe/health/ready").statusCode() == 200);
    }
}
