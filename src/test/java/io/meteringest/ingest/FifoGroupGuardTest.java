package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ExchangeProps;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.MutableClock;
import io.meteringest.testkit.Records;
import io.meteringest.usage.UsageBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * FIFO order under a failure, on the real embedded SQS server: a failed message's later messages of
 * its group are released back to the queue (behind it), messages of other groups are not, and the
 * group stays held back across polls until the failed message itself comes again.
 */
class FifoGroupGuardTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FifoGroupGuard guard = new FifoGroupGuard(clock);
    private final CamelContext context = new DefaultCamelContext();
    private final SqsClient sqs = AwsKit.sharedServers().sqsClient();
    private final String queue = "guard-" + UUID.randomUUID().toString().substring(0, 8) + ".fifo";
    private final AtomicInteger handedBack = new AtomicInteger();
    private final List<String> visibilityCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private String queueUrl;
    private Sqs2Endpoint endpoint;
    /** customer id -> the received SQS message */
    private final Map<String, software.amazon.awssdk.services.sqs.model.Message> received = new LinkedHashMap<>();

    @BeforeEach
    void queueAndMessages() throws Exception {
        queueUrl = AwsKit.createQueues(sqs, queue, queue.replace(".fifo", "-dlq.fifo"), 5);
        // the endpoint's client counts its visibility calls (a real client of the real server)
        context.getRegistry().bind("sqs", SqsClient.builder()
                .endpointOverride(AwsKit.sharedServers().sqsEndpoint())
                .region(software.amazon.awssdk.regions.Region.of(io.meteringest.local.EmbeddedAws.REGION))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                io.meteringest.local.EmbeddedAws.ACCESS_KEY, io.meteringest.local.EmbeddedAws.SECRET_KEY)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution call,
                                                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        String name = call.request().getClass().getSimpleName();
                        if (name.startsWith("ChangeMessageVisibility")) {
                            visibilityCalls.add(name);
                        }
                    }
                }))
                .build());
        context.start();
        // the guard releases for the endpoint's visibility timeout: 1 s, so a release is seen back on the queue soon
        endpoint = context.getEndpoint("aws2-sqs:" + queue + "?amazonSQSClient=#sqs&visibilityTimeout=1", Sqs2Endpoint.class);
        for (String customer : List.of("a-1", "a-2", "a-3")) {
            AwsKit.send(sqs, queueUrl, Records.record(customer), "group-a");
        }
        AwsKit.send(sqs, queueUrl, Records.record("b-1"), "group-b");
        // held for a minute by this receive: only a release makes them visible before that
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).visibilityTimeout(60).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()
                    .forEach(m -> received.put(m.body().replaceAll(".*\"customerId\":\"([^\"]+)\".*", "$1"), m));
            return received.size() == 4;
        });
    }

    @AfterEach
    void stop() {
        context.stop();
        sqs.close();
    }

    /** The consumer's exchange of one received message, as the aws2-sqs consumer makes it. */
    private Exchange exchange(String customer, Poll poll) {
        var message = received.get(customer);
        Exchange exchange = endpoint.createExchange();
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, message.messageId());
        exchange.getIn().setHeader(Sqs2Constants.RECEIPT_HANDLE, message.receiptHandle());
        exchange.getIn().setHeader(FifoGroupGuard.GROUP_HEADER, message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID));
        exchange.setProperty(ExchangeProps.POLL, poll);
        return exchange;
    }

    /** A poll of the given received messages, in that order. */
    private Poll poll(String... customers) {
        Poll poll = new Poll();
        for (String customer : customers) {
            poll.add(exchange(customer, poll), doneSync -> handedBack.incrementAndGet());
        }
        return poll;
    }

    private Poll.Entry entry(Poll poll, String customer) {
        return poll.entry(received.get(customer).messageId());
    }

    private List<String> admitted(Poll poll) {
        List<String> customers = new ArrayList<>();
        for (Iterator<Message> it = guard.admit(poll); it.hasNext(); ) {
            String id = it.next().getHeader(Sqs2Constants.MESSAGE_ID, String.class);
            received.forEach((customer, m) -> {
                if (m.messageId().equals(id)) {
                    customers.add(customer);
                }
            });
        }
        return customers;
    }

    private void delete(String customer) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(received.get(customer).receiptHandle()));
    }

    @Test
    void releases_later_messages_of_a_failed_group_but_not_other_groups() {
        Poll poll = poll("a-1", "b-1", "a-2", "a-3");
        entry(poll, "a-1").fail(new IllegalStateException("accounting failed"));

        assertFalse(guard.holdBack(exchange("b-1", poll)), "another group goes on");
        assertTrue(guard.holdBack(exchange("a-2", poll)));
        assertTrue(guard.holdBack(exchange("a-3", poll)), "behind a released message too");

        assertEquals(Poll.State.RELEASED, entry(poll, "a-2").getState());
        assertEquals(Poll.State.RELEASED, entry(poll, "a-3").getState());
        assertEquals(Poll.State.RECEIVED, entry(poll, "b-1").getState());
        assertEquals(2, guard.releasedCount());
        assertEquals(2, handedBack.get(), "released messages are handed back at once, so their visibility is no longer extended");
        // on SQS: once the failed message is out of the way, the released ones come back, in order, long before
        // the minute they were received for; the other group's message stays where it is
        delete("a-1");
        List<String> back = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()
                    .forEach(m -> back.add(m.body().replaceAll(".*\"customerId\":\"([^\"]+)\".*", "$1")));
            return back.size() >= 2;
        });
        assertEquals(List.of("a-2", "a-3"), back);
    }

    @Test
    void a_group_whose_earlier_message_got_through_is_not_held_back() {
        Poll poll = poll("a-1", "a-2", "a-3");
        entry(poll, "a-1").stage(new MessageOutcome(), new UsageBatch("a-1"));
        entry(poll, "a-2").moveTo(Poll.State.DEAD_LETTERED);

        assertFalse(guard.holdBack(exchange("a-1", poll)), "the first of its group");
        assertFalse(guard.holdBack(exchange("a-2", poll)));
        assertFalse(guard.holdBack(exchange("a-3", poll)));
        assertEquals(0, guard.releasedCount());
    }

    @Test
    void while_stopping_a_message_not_started_is_left_on_the_queue() {
        Poll poll = poll("a-1", "b-1");

        assertFalse(guard.holdBack(exchange("a-1", poll)), "going: the message is worked on");
        assertEquals(Poll.State.RECEIVED, entry(poll, "a-1").getState());

        poll.goingWhile(() -> false);
        assertTrue(guard.holdBack(exchange("b-1", poll)));
        assertEquals(Poll.State.LEFT, entry(poll, "b-1").getState());
        assertEquals(List.of(), poll.getDeletable(), "left, so not deleted: redelivered after the restart");
        assertEquals(0, guard.releasedCount(), "left, not released: it goes back at visibility 0 when the poll settles");
    }

    @Test
    void a_failed_group_stays_held_back_in_later_polls_until_its_failed_message_is_retried() {
        Poll first = poll("a-1", "b-1");
        entry(first, "a-1").fail(new IllegalStateException("accounting failed"));
        entry(first, "b-1").moveTo(Poll.State.ACCOUNTED);
        guard.settle(first);

        // a-1 is still invisible; a poll that brings a-2 without it releases a-2, not b-1
        Poll second = poll("a-2", "b-1");
        assertEquals(List.of("b-1"), admitted(second));
        assertEquals(Poll.State.RELEASED, entry(second, "a-2").getState());

        // the failed message's retry comes first in its poll: the group goes on behind it
        Poll third = poll("a-1", "a-2");
        assertEquals(List.of("a-1", "a-2"), admitted(third));
        entry(third, "a-1").moveTo(Poll.State.ACCOUNTED);
        entry(third, "a-2").moveTo(Poll.State.ACCOUNTED);
        guard.settle(third);

        assertEquals(List.of("a-3"), admitted(poll("a-3")), "accounted: the group is no longer held back");
        assertEquals(1, guard.releasedCount());
    }

    @Test
    void messages_left_unstarted_at_a_stop_go_back_to_the_queue_at_once_in_one_call() {
        Poll poll = poll("a-1", "a-2", "a-3", "b-1");
        poll.getEntries().forEach(e -> e.moveTo(Poll.State.LEFT));

        guard.settle(poll);

        assertEquals(4, handedBack.get(), "every consumer exchange is completed, so its visibility is no longer extended");
        assertEquals(List.of("ChangeMessageVisibilityBatchRequest"), visibilityCalls);
        // received with a 60 s visibility: only the hand-back makes them visible now, in their groups' order
        List<String> back = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()
                    .forEach(m -> back.add(m.body().replaceAll(".*\"customerId\":\"([^\"]+)\".*", "$1")));
            return back.size() >= 4;
        });
        assertEquals(List.of("a-1", "a-2", "a-3"), back.stream().filter(c -> c.startsWith("a-")).toList());
        assertTrue(back.contains("b-1"));
    }

    @Test
    void a_hold_ends_when_the_failed_message_could_have_been_received_again() {
        Poll first = poll("a-1");
        entry(first, "a-1").fail(new IllegalStateException("accounting failed"));
        guard.settle(first);
        assertEquals(List.of(), admitted(poll("a-2")), "held back for the endpoint's 1 s visibility timeout");

        clock.advance(Duration.ofMillis(1001));

        assertEquals(List.of("a-3"), admitted(poll("a-3")), "the hold lapsed: SQS may have moved the failed message on");
    }
}
