package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ops.Operations;
import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A flush holds at most {@code ingest.aggregation.max-flush-rows} rows (usage-write holds one flush in
 * memory): closed rows beyond that go out as further flushes in the same usage-flush run, each row
 * in exactly one of them.
 */
class UsageFlushSizeRouteTest extends RouteTestSupport {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("ingest.aggregation.max-flush-rows", "3");
    }

    @Test
    void closed_rows_beyond_the_bound_go_out_as_further_flushes_each_row_once() throws Exception {
        context.start();
        send(Records.sampleArray());
        send(Records.sampleNdjson());
        startConsumer();
        awaitQueueEmpty();
        Operations operations = context.getRegistry().lookupByNameAndType("operations", Operations.class);

        // the samples make 4 rows (UsageFlushRouteTest), in windows long closed
        String said = operations.flush();

        List<String> ndjson = keys("usage/").stream().filter(k -> k.endsWith(".ndjson")).sorted().toList();
        assertEquals(2, ndjson.size(), keys("usage/").toString());
        assertEquals(4, keys("usage/").size(), "each flush with its CSV twin: " + keys("usage/"));
        assertEquals(List.of(1, 3), ndjson.stream().map(k -> (int) text(k).lines().count()).sorted().toList());
        List<String> rows = ndjson.stream().flatMap(k -> text(k).lines()).sorted().toList();
        assertEquals(4, rows.size());
        assertEquals(4, rows.stream().distinct().count(), "a row in two flushes: " + rows);
        assertEquals(List.of(1L, 4L, 5L, 5L), rows.stream()
                .map(r -> Long.parseLong(r.replaceAll(".*\"sum\":([0-9]+).*", "$1"))).sorted().toList());
        List<String> ids = ndjson.stream().map(k -> k.substring(k.lastIndexOf('/') + 1, k.length() - ".ndjson".length())).toList();
        assertTrue(said.startsWith("2 flushes written: ") && ids.stream().allMatch(said::contains), said + " / " + ids);
        assertEquals(List.of(), store().openRows());
        assertEquals(List.of(), store().pendingFlushes());
    }

    @Test
    void a_run_that_closes_nothing_still_writes_the_flushes_an_earlier_run_left_pending() throws Exception {
        context.start();
        send(Records.sampleNdjson());
        startConsumer();
        awaitQueueEmpty();
        Operations operations = context.getRegistry().lookupByNameAndType("operations", Operations.class);
        int s3Port = servers().s3Port();
        servers().stopS3();
        try {
            assertThrows(IllegalStateException.class, operations::flush);
            assertEquals(1, store().pendingFlushes().size(), "closed, not written");
        } finally {
            servers().startS3(s3Port);
        }

        assertEquals("no closed windows to flush; pending flushes written", operations.flush());
        assertEquals(2, keys("usage/").size(), keys("usage/").toString());
        assertEquals(List.of(), store().pendingFlushes());
    }
}
