package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.AdvisedRouteTestSupport;
import io.meteringest.testkit.Records;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * A message still being worked on keeps its visibility extended: another consumer polling the same
 * queue after each extension gets nothing, and the message is processed once.
 */
class VisibilityRouteTest extends AdvisedRouteTestSupport {

    private final List<String> processed = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("camel.component.aws2-sqs.visibility-timeout", "2");
    }

    @Test
    void a_slow_message_stays_invisible_while_it_is_processed_and_is_processed_once() throws Exception {
        AdviceWith.adviceWith(context, "usage-aggregate", route -> route.weaveAddFirst().process(exchange -> {
            processed.add(exchange.getIn().getHeader("CamelAwsSqsMessageId", String.class));
            // slower than the 2 s visibility timeout
            release.await(30, TimeUnit.SECONDS);
        }));
        String id = send(Records.record("c"));
        context.start();
        startConsumer();
        await().atMost(Duration.ofSeconds(20)).until(() -> processed.size() == 1);

        // the consumer extends the message's visibility while it is worked on (Camel's extender, every half
        // timeout): after each of four extensions, past the 2 s it was received with, a competing consumer's
        // 1 s long poll sees nothing
        for (int extension = 1; extension <= 4; extension++) {
            int extended = extension;
            await().atMost(Duration.ofSeconds(20)).until(() -> audit.visibilityChanges(id) >= extended);
            var stolen = sqs.receiveMessage(b -> b.queueUrl(queueUrl(queue)).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            assertEquals(List.of(), stolen, "the message became visible while still being processed (after extension "
                    + extended + ")");
        }
        release.countDown();
        awaitQueueEmpty();
        assertEquals(List.of(id), processed);
        assertTrue(audit.deletedMessageIds().contains(id));
    }
}
