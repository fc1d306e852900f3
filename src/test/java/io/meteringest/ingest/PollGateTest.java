package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ExchangeProps;
import io.meteringest.RouteIds;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One receive becomes one unit of work: each message the consumer hands over is parked in its
 * thread's poll, the poll goes to direct:ingest-poll when the receive is done, and then every parked
 * exchange is handed back with its message's fate. A stand-in ingest-poll route plays the pipeline.
 */
class PollGateTest {

    private final CamelContext context = new DefaultCamelContext();
    private final FifoGroupGuard guard = new FifoGroupGuard(Clock.systemUTC());
    private final PollGate gate = new PollGate(context, guard);
    private final List<Poll> polls = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> handedBack = new ConcurrentHashMap<>();
    private final Map<String, Exchange> parked = new ConcurrentHashMap<>();
    /** what the stand-in ingest-poll does with a poll */
    private volatile Consumer<Poll> pipeline = poll -> { };
    private Endpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(RouteIds.direct(RouteIds.INGEST_POLL)).process(exchange -> {
                    Poll poll = exchange.getProperty(ExchangeProps.POLL, Poll.class);
                    polls.add(poll);
                    pipeline.accept(poll);
                });
            }
        });
        context.start();
        endpoint = context.getEndpoint("direct:consumer");
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    /** The consumer hands one received message to the gate; true if the gate completed it at once. */
    private boolean receive(String messageId) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, messageId);
        handedBack.put(messageId, new AtomicInteger());
        parked.put(messageId, exchange);
        return gate.process(exchange, doneSync -> handedBack.get(messageId).incrementAndGet());
    }

    @Test
    void parks_a_receives_messages_until_the_receive_is_done_then_runs_them_as_one_poll() {
        assertFalse(receive("m-1"), "parked, not completed");
        assertFalse(receive("m-2"));
        assertEquals(0, handedBack.get("m-1").get());
        assertEquals(List.of(), polls, "nothing runs before the receive is handed out");

        assertTrue(gate.begin(null, endpoint));
        gate.commit(null, endpoint, 2);

        assertEquals(1, polls.size());
        assertEquals(List.of("m-1", "m-2"), polls.get(0).getEntries().stream().map(Poll.Entry::getMessageId).toList());
        assertEquals(1, handedBack.get("m-1").get());
        assertEquals(1, handedBack.get("m-2").get());
    }

    @Test
    void hands_back_settled_messages_as_done_and_fails_the_ones_the_poll_did_not_finish() {
        pipeline = poll -> {
            poll.entry("m-1").moveTo(Poll.State.ACCOUNTED);
            poll.entry("m-2").moveTo(Poll.State.DEAD_LETTERED);
            // m-3: the pipeline never got to it
        };
        receive("m-1");
        receive("m-2");
        receive("m-3");

        gate.commit(null, endpoint, 3);

        assertNull(parked.get("m-1").getException());
        assertNull(parked.get("m-2").getException());
        assertTrue(parked.get("m-3").getException().getMessage().contains("the poll ended before this message was done"),
                String.valueOf(parked.get("m-3").getException()));
        assertEquals(Poll.State.FAILED, polls.get(0).entry("m-3").getState());
        handedBack.values().forEach(count -> assertEquals(1, count.get()));
    }

    @Test
    void a_poll_that_fails_as_a_whole_leaves_its_unaccounted_messages_for_redelivery() {
        IllegalStateException storeDown = new IllegalStateException("usage store unreachable");
        pipeline = poll -> {
            poll.entry("m-1").moveTo(Poll.State.DEAD_LETTERED);
            poll.entry("m-2").archived("raw/x/m-2");
            throw storeDown;
        };
        receive("m-1");
        receive("m-2");

        gate.commit(null, endpoint, 2);

        assertNull(parked.get("m-1").getException(), "dead-lettered before the failure: still deleted");
        assertSame(storeDown, parked.get("m-2").getException());
        assertEquals(List.of("m-1"), polls.get(0).getDeletable().stream().map(Poll.Entry::getMessageId).toList());
    }

    @Test
    void a_failed_receive_still_settles_what_was_parked() throws Exception {
        receive("m-1");
        gate.rollback(null, endpoint, 0, new IllegalStateException("SQS unreachable"));
        assertEquals(1, polls.size());
        assertEquals(1, handedBack.get("m-1").get());
        assertTrue(parked.get("m-1").getException() != null, "not done, so SQS redelivers it");
    }

    @Test
    void a_receive_with_no_messages_runs_no_poll() {
        gate.commit(null, endpoint, 0);
        assertEquals(List.of(), polls);
    }

    @Test
    void each_consumer_thread_has_a_poll_of_its_own() throws Exception {
        receive("mine");
        Thread other = new Thread(() -> receive("theirs"), "other-consumer");
        other.start();
        other.join();

        gate.commit(null, endpoint, 1);

        assertEquals(List.of("mine"), polls.get(0).getEntries().stream().map(Poll.Entry::getMessageId).toList());
        assertEquals(0, handedBack.get("theirs").get(), "the other thread's message waits for its own receive");
    }

    @Test
    void once_receiving_stops_no_receive_begins_and_the_one_in_flight_is_waited_for() throws Exception {
        assertTrue(gate.begin(null, endpoint), "a long poll is in flight");
        assertFalse(gate.stopReceiving(0), "not idle while a receive is in flight");
        assertFalse(gate.begin(null, endpoint), "no new receive once stopping");

        java.util.concurrent.CompletableFuture<Boolean> stopped = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return gate.stopReceiving(60_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        gate.commit(null, endpoint, 0);

        assertTrue(stopped.get(30, java.util.concurrent.TimeUnit.SECONDS), "returns once the receive is handed out");
        assertTrue(gate.stopReceiving(0));
    }

    @Test
    void a_receive_handed_out_after_receiving_stopped_finishes_no_message_it_did_not_start() throws Exception {
        List<Boolean> going = new CopyOnWriteArrayList<>();
        pipeline = poll -> going.add(poll.isGoing());
        assertTrue(gate.begin(null, endpoint));
        receive("m-1");
        assertFalse(gate.stopReceiving(0));

        gate.commit(null, endpoint, 1);

        assertEquals(List.of(false), going, "ingest-poll sees the poll as stopping, so FifoGroupGuard.holdBack leaves m-1");
    }
}
