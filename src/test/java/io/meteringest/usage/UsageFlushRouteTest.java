package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.ops.Operations;
import io.meteringest.testkit.AdvisedRouteTestSupport;
import io.meteringest.testkit.Records;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.BeanDefinition;
import org.junit.jupiter.api.Test;

/** Flushes to S3 through the real usage routes: NDJSON + CSV rows, S3 outages, a crash between write and record. */
class UsageFlushRouteTest extends AdvisedRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private void ingestSamples() throws Exception {
        send(Records.sampleArray());
        send(Records.sampleNdjson());
        startConsumer();
        awaitQueueEmpty();
    }

    @Test
    void values_sent_with_exponents_are_summed_and_written_plain_in_both_files() throws Exception {
        context.start();
        // 0e10000 is a finite zero the validator accepts; written plain as such it would stop every later flush
        send(Records.record("c-exp", "M", "1e3") + "\n" + Records.record("c-exp", "M", "2E+3")
                + "\n" + Records.record("c-zero", "M", "0e10000"));
        startConsumer();
        awaitQueueEmpty();
        flushAllWindows();
        String ndjsonKey = keys("usage/").stream().filter(k -> k.endsWith(".ndjson")).findFirst().orElseThrow();
        List<String> rows = text(ndjsonKey).lines().map(l -> l.substring(l.indexOf("\"sum\""))).toList();
        assertEquals(List.of("\"sum\":3000,\"count\":2,\"min\":1000,\"max\":2000}", "\"sum\":0,\"count\":1,\"min\":0,\"max\":0}"), rows);
        List<String> csv = text(ndjsonKey.replace(".ndjson", ".csv")).lines().skip(1).toList();
        assertEquals(List.of("c-exp,M,,1619445660000,1619445720000,3000,2,1000,2000", "c-zero,M,,1619445660000,1619445720000,0,1,0,0"), csv);
        assertEquals(List.of(), store().pendingFlushes(), "written, nothing left pending");
    }

    @Test
    void writes_the_samples_rollup_as_ndjson_and_a_bindy_csv_twin() throws Exception {
        context.start();
        ingestSamples();
        flushAllWindows();

        List<String> objects = keys("usage/");
        assertEquals(2, objects.size(), objects.toString());
        String ndjsonKey = objects.stream().filter(k -> k.endsWith(".ndjson")).findFirst().orElseThrow();
        assertTrue(ndjsonKey.matches("usage/\\d{4}/\\d\\d/\\d\\d/\\d\\d/[0-9TZ]+-[0-9a-f]{8}\\.ndjson"), ndjsonKey);
        List<JsonNode> rows = text(ndjsonKey).lines().map(UsageFlushRouteTest::json).toList();
        assertEquals(4, rows.size());
        assertEquals("{\"customerId\":\"customer-123\",\"meterApiName\":\"ComputeHours\","
                        + "\"dimensions\":{\"az\":\"az1\",\"region\":\"us-west-2\"},\"windowStart\":1619445660000,"
                        + "\"windowEnd\":1619445720000,\"sum\":5,\"count\":1,\"min\":5,\"max\":5}",
                text(ndjsonKey).lines().toList().get(0));
        assertEquals(List.of("5 1 1619445660000", "5 1 1619445660000", "1 1 1619445780000", "4 1 1619445660000"),
                rows.stream().map(r -> r.get("sum").asText() + " " + r.get("count").asInt() + " " + r.get("windowStart").asLong())
                        .toList());

        String csv = text(ndjsonKey.replace(".ndjson", ".csv"));
        List<String> lines = csv.lines().toList();
        // bindy quotes the header row; data rows are quoted only where a value needs it
        assertEquals("\"customerId\",\"meterApiName\",\"dimensions\",\"windowStart\",\"windowEnd\",\"sum\",\"count\",\"min\",\"max\"",
                lines.get(0));
        assertEquals("customer-123,ComputeHours,az=az1;region=us-west-2,1619445660000,1619445720000,5,1,5,5", lines.get(1));
        assertEquals("customer-321,ComputeHours,,1619445660000,1619445720000,4,1,4,4", lines.get(4));
        assertEquals(List.of(), store().openRows());
        assertEquals(List.of(), store().pendingFlushes());
    }

    @Test
    void the_operations_flush_writes_closed_windows_through_usage_flush_and_names_its_flush_and_all_windows_go_at_shutdown() throws Exception {
        context.start();
        ingestSamples();
        // a window open for a while yet: the operator's flush, like the timer's, leaves it
        long inTenMinutes = System.currentTimeMillis() + java.time.Duration.ofMinutes(10).toMillis();
        send("{\"customerId\":\"c-open\",\"meterApiName\":\"ComputeHours\",\"meterValue\":2,\"meterTimeInMillis\":" + inTenMinutes + "}");
        awaitQueueEmpty();
        Operations operations = context.getRegistry().lookupByNameAndType("operations", Operations.class);

        String said = operations.flush();
        List<String> objects = keys("usage/");
        assertEquals(2, objects.size(), objects.toString());
        String ndjsonKey = objects.stream().filter(k -> k.endsWith(".ndjson")).findFirst().orElseThrow();
        String flushId = ndjsonKey.substring(ndjsonKey.lastIndexOf('/') + 1, ndjsonKey.length() - ".ndjson".length());
        assertEquals("flush " + flushId + " written", said);
        assertTrue(text(ndjsonKey).contains("customer-123") && !text(ndjsonKey).contains("c-open"), text(ndjsonKey));
        assertEquals(List.of("c-open"), store().openRows().stream().map(UsageRow::customerId).toList());
        assertEquals(List.of(), store().pendingFlushes());

        assertEquals("no closed windows to flush; pending flushes written", operations.flush());
        assertEquals(objects, keys("usage/"));

        // the same route with allWindows (the shutdown flush) takes the open window too
        flushAllWindows();
        assertEquals(List.of(), store().openRows());
        assertEquals(4, keys("usage/").size());
        assertTrue(keys("usage/").stream().filter(k -> k.endsWith(".ndjson")).anyMatch(k -> text(k).contains("c-open")));
    }

    @Test
    void a_flush_that_s3_refuses_stays_pending_and_is_written_once_s3_is_back() throws Exception {
        context.start();
        ingestSamples();
        int s3Port = servers().s3Port();
        servers().stopS3();
        try {
            assertThrows(CamelExecutionException.class, this::flushAllWindows);
            assertEquals(1, store().pendingFlushes().size());
        } finally {
            servers().startS3(s3Port);
        }
        template.sendBody("direct:usage-write", null);
        assertEquals(2, keys("usage/").size());
        assertEquals(List.of(), store().pendingFlushes());
    }

    @Test
    void a_flush_interrupted_between_writing_s3_and_recording_it_is_rewritten_with_the_same_rows() throws Exception {
        AtomicBoolean crashed = new AtomicBoolean();
        AdviceWith.adviceWith(context, "usage-write", route -> route.weaveByType(BeanDefinition.class).selectLast()
                .before().process(exchange -> {
                    if (crashed.compareAndSet(false, true)) {
                        throw new IllegalStateException("crash after the S3 writes, before markWritten");
                    }
                }));
        context.start();
        ingestSamples();
        assertThrows(CamelExecutionException.class, this::flushAllWindows);
        List<String> first = keys("usage/");
        assertEquals(2, first.size());
        byte[] ndjson = object(first.get(1)).asByteArray();
        byte[] csv = object(first.get(0)).asByteArray();
        assertEquals(1, store().pendingFlushes().size(), "the store does not know the objects were written");

        template.sendBody("direct:usage-write", null);
        assertEquals(first, keys("usage/"), "same flush id, same keys: no second copy of the rows");
        assertArrayEquals(ndjson, object(first.get(1)).asByteArray());
        assertArrayEquals(csv, object(first.get(0)).asByteArray());
        assertEquals(List.of(), store().pendingFlushes());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException(line, e);
        }
    }
}
