package io.meteringest.usage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The usage-flush-timer route on its own: closed windows reach S3 with nobody asking, open ones wait. */
class UsageTimerFlushRouteTest extends RouteTestSupport {

    @Override
    protected Map<String, String> extraProperties() {
        // hour windows: the record sent 10 minutes ahead stays in an open one whatever the clock says
        return Map.of("ingest.aggregation.flush-interval", "500", "ingest.aggregation.grace", "PT1S",
                "ingest.aggregation.window", "PT1H");
    }

    @Test
    void the_timer_writes_closed_windows_and_leaves_open_ones_for_later() throws Exception {
        long now = System.currentTimeMillis();
        // the samples' windows closed years ago; this record's window is open for a while yet
        send(Records.sampleNdjson());
        send("{\"customerId\":\"c-open\",\"meterApiName\":\"ComputeHours\",\"meterValue\":2,\"meterTimeInMillis\":" + (now + Duration.ofMinutes(10).toMillis()) + "}");
        startConsumer();
        awaitQueueEmpty();

        await().atMost(Duration.ofSeconds(15)).until(() -> keys("usage/").size() == 2);
        String ndjson = keys("usage/").stream().filter(k -> k.endsWith(".ndjson")).findFirst().orElseThrow();
        String rows = text(ndjson);
        assertTrue(rows.contains("customer-123") && rows.contains("customer-321"), rows);
        assertTrue(!rows.contains("c-open"), "an open window is not flushed: " + rows);
        assertEquals(List.of("c-open"), store().openRows().stream().map(r -> r.customerId()).toList());
        assertEquals(List.of(), store().pendingFlushes());
    }
}
