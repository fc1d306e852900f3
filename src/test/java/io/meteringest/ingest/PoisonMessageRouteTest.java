package io.meteringest.ingest;

import static io.meteringest.testkit.Records.record;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.AdvisedRouteTestSupport;
import io.meteringest.usage.MeterRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A poison message (fails every time) reaches the dead-letter queue through the queue's redrive
 * policy after maxReceiveCount receives; other groups go on meanwhile, and its own group is not
 * blocked forever: a later message of that group is processed.
 */
class PoisonMessageRouteTest extends AdvisedRouteTestSupport {

    private final List<String> processed = new CopyOnWriteArrayList<>();
    private final AtomicInteger poisonAttempts = new AtomicInteger();

    @Override
    protected int maxReceiveCount() {
        return 3;
    }

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("camel.component.aws2-sqs.visibility-timeout", "2");
    }

    @Test
    void a_poison_message_goes_to_the_dead_letter_queue_and_its_group_goes_on() throws Exception {
        AdviceWith.adviceWith(context, "usage-aggregate", route -> route.weaveAddFirst().process(exchange -> {
            String customer = exchange.getIn().getBody(MeterRecords.class).getRecords().get(0).customerId();
            if (customer.equals("poison")) {
                poisonAttempts.incrementAndGet();
                throw new IllegalStateException("poison: fails every time");
            }
            processed.add(customer);
        }));
        send(record("poison"), "group-p");
        send(record("other-group"), "group-q");
        context.start();
        startConsumer();

        List<Message> dead = receiveAll(deadLetterQueue, 1);
        assertEquals(record("poison"), dead.get(0).body());
        assertEquals(3, poisonAttempts.get(), "processed once per receive, maxReceiveCount times");
        assertTrue(processed.contains("other-group"));

        // the poison's group is not blocked forever
        send(record("later-in-group-p"), "group-p");
        await().atMost(Duration.ofSeconds(20)).until(() -> processed.contains("later-in-group-p"));
        awaitQueueEmpty();
    }
}
