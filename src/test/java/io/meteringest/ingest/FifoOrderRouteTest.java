package io.meteringest.ingest;

import static io.meteringest.testkit.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.AdvisedRouteTestSupport;
import io.meteringest.usage.MeterRecords;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;

/**
 * FIFO order under a failure: when a message fails, the later messages of its group from the same
 * poll must not be processed ahead of its retry. The failure is injected once into the default
 * aggregation endpoint with Camel's AdviceWith; SQS and S3 are the real embedded servers.
 */
class FifoOrderRouteTest extends AdvisedRouteTestSupport {

    private final List<String> processed = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failedOnce = new AtomicBoolean();

    @Test
    void a_failed_message_holds_back_the_rest_of_its_group_and_other_groups_go_on() throws Exception {
        AdviceWith.adviceWith(context, "usage-aggregate", route -> route.weaveAddFirst().process(exchange -> {
            String customer = exchange.getIn().getBody(MeterRecords.class).getRecords().get(0).customerId();
            if (customer.equals("g-1") && failedOnce.compareAndSet(false, true)) {
                processed.add(customer + " (failed)");
                throw new IllegalStateException("injected failure while accounting g-1");
            }
            processed.add(customer);
        }));
        // queued before the consumer starts, so one poll receives them together
        send(record("g-1"), "group-g");
        send(record("g-2"), "group-g");
        send(record("g-3"), "group-g");
        send(record("h-1"), "group-h");
        context.start();
        startConsumer();
        awaitQueueEmpty();

        List<String> groupG = processed.stream().filter(c -> c.startsWith("g-")).toList();
        assertEquals(List.of("g-1 (failed)", "g-1", "g-2", "g-3"), groupG, "processing order: " + processed);
        assertTrue(processed.contains("h-1"));
        assertTrue(processed.indexOf("h-1") < processed.indexOf("g-1"), "group h is not held back: " + processed);
        FifoGroupGuard guard = context.getRegistry().lookupByNameAndType("fifoGroupGuard", FifoGroupGuard.class);
        assertEquals(2, guard.releasedCount(), "g-2 and g-3 released once each");
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        assertEquals(2.0, meters.get("meter_ingest_messages_released").functionCounter().count(), "what operators see");
        assertEquals(4, keys("raw/").size());
    }
}
