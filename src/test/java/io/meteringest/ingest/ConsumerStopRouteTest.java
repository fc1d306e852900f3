package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.support.ScheduledPollConsumer;
import org.junit.jupiter.api.Test;

/**
 * Stopping ingest-consume (a route reload does it to every route, so does JMX stopRoute) while a
 * long poll is out: the messages that receive returns go back to the queue at once, unstarted, and
 * are accounted once when the route runs again. Camel's default (CompleteCurrentTaskOnly) hands none
 * of them to the route once the stop has begun, and SQS keeps them invisible for the whole visibility
 * timeout (here 60 s, longer than the test waits).
 */
class ConsumerStopRouteTest extends RouteTestSupport {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of(
                "camel.component.aws2-sqs.visibility-timeout", "60",
                // long enough that the poll out when the stop begins is the one that returns the message
                "camel.component.aws2-sqs.wait-time-seconds", "10");
    }

    @Test
    void a_message_received_while_the_route_stops_goes_back_to_the_queue_at_once() throws Exception {
        context.start();
        startConsumer();
        ScheduledPollConsumer consumer = (ScheduledPollConsumer) context.getRoute("ingest-consume").getConsumer();
        await().atMost(Duration.ofSeconds(10)).until(consumer::isPolling);

        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
            try {
                context.getRouteController().stopRoute("ingest-consume");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Camel's graceful stop suspends the consumer first, then waits for the poll in flight
        await().atMost(Duration.ofSeconds(10)).until(consumer::isSuspended);
        assertTrue(consumer.isPolling(), "the long poll ended before the message was sent; the test proves nothing");
        String id = send(Records.record("c-stop"));
        stop.get(30, TimeUnit.SECONDS);

        assertEquals(1, AwsKit.visibleOn(sqs, queueUrl(queue)), "the message the last receive returned is not visible on the queue");
        assertEquals(Map.of(), recordsByEndpoint(), "nothing of the handed-back receive was worked");
        startConsumer();
        awaitQueueEmpty();
        assertTrue(audit.deletedMessageIds().contains(id), "deleted: " + audit.deletedMessageIds());
        assertEquals(Map.of("usage-aggregate", 1L), recordsByEndpoint());
    }
}
