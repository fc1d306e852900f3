package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * A message still being worked on keeps its visibility extended: another consumer polling the same
 * queue meanwhile gets nothing, and the message is processed once.
 */
class VisibilityRouteTest extends PipelineTestSupport {

    private final List<String> processed = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void configureTest(TestExecutionConfiguration testExecutionConfiguration) {
        super.configureTest(testExecutionConfiguration);
        testExecutionConfiguration.withUseAdviceWith(true);
    }

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
        String id = send("{\"customerId\":\"c\",\"meterApiName\":\"M\",\"meterValue\":1,\"meterTimeInMillis\":1619445706909}");
        context.start();
        startConsumer();
        await().atMost(Duration.ofSeconds(20)).until(() -> processed.size() == 1);

        // for three visibility timeouts, a competing consumer sees nothing
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < until) {
            var stolen = sqs.receiveMessage(b -> b.queueUrl(queueUrl(queue)).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            assertEquals(List.of(), stolen, "the message became visible while still being processed");
        }
        release.countDown();
        awaitQueueEmpty();
        assertEquals(List.of(id), processed);
        assertTrue(audit.deletedMessageIds.contains(id));
    }
}
