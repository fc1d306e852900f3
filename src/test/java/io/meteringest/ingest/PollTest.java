package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ExchangeProps;
import io.meteringest.usage.UsageBatch;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One receive's messages as a unit: receive order, each message's state, which are deleted, what fails when it ends. */
class PollTest {

    private final CamelContext context = new DefaultCamelContext();
    private final Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        context.stop();
    }

    private Poll pollOf(String... messageIds) {
        Poll poll = new Poll();
        for (String id : messageIds) {
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, id);
            exchange.getIn().setHeader(Sqs2Constants.RECEIPT_HANDLE, "handle-" + id);
            exchange.getIn().setHeader(FifoGroupGuard.GROUP_HEADER, "g-" + id);
            completions.put(id, new AtomicInteger());
            poll.add(exchange, doneSync -> completions.get(id).incrementAndGet());
        }
        return poll;
    }

    private static List<String> ids(List<Poll.Entry> entries) {
        return entries.stream().map(Poll.Entry::getMessageId).toList();
    }

    @Test
    void keeps_its_messages_in_receive_order_with_their_sqs_ids_handles_and_groups() {
        Poll poll = pollOf("m-3", "m-1", "m-2");
        assertEquals(List.of("m-3", "m-1", "m-2"), ids(poll.getEntries()));
        assertEquals(3, poll.size());
        Poll.Entry entry = poll.entry("m-1");
        assertEquals("handle-m-1", entry.getReceiptHandle());
        assertEquals("g-m-1", entry.getGroup());
        assertEquals(Poll.State.RECEIVED, entry.getState());
        assertTrue(new Poll().isEmpty());
    }

    @Test
    void refuses_a_message_that_is_not_part_of_it() {
        Poll poll = pollOf("m-1");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> poll.entry("m-9"));
        assertTrue(refused.getMessage().contains("m-9"), refused.getMessage());
    }

    @Test
    void deletes_only_accounted_and_dead_lettered_messages_in_receive_order() {
        Poll poll = pollOf("accounted", "failed", "dead", "released", "left", "staged", "archived", "received");
        poll.entry("accounted").moveTo(Poll.State.ACCOUNTED);
        poll.entry("failed").fail(new IllegalStateException("boom"));
        poll.entry("dead").moveTo(Poll.State.DEAD_LETTERED);
        poll.entry("released").moveTo(Poll.State.RELEASED);
        poll.entry("left").moveTo(Poll.State.LEFT);
        poll.entry("staged").stage(new MessageOutcome(), new UsageBatch("staged"));
        poll.entry("archived").archived("raw/2021/04/26/14/archived");
        assertEquals(List.of("accounted", "dead"), ids(poll.getDeletable()));
        assertEquals(List.of("accounted"), ids(poll.getAccounted()));
        assertEquals("raw/2021/04/26/14/archived", poll.entry("archived").getRawKey());
    }

    @Test
    void commits_the_staged_messages_batches_in_receive_order() {
        Poll poll = pollOf("m-1", "m-2", "m-3");
        UsageBatch third = new UsageBatch("m-3");
        UsageBatch first = new UsageBatch("m-1");
        poll.entry("m-3").stage(new MessageOutcome(), third);
        poll.entry("m-1").stage(new MessageOutcome(), first);
        assertEquals(List.of(first, third), poll.getStagedBatches());
    }

    @Test
    void when_it_ends_fails_every_message_it_did_not_settle_and_leaves_the_settled_ones() {
        Poll poll = pollOf("received", "archived", "staged", "accounted", "dead", "released", "left");
        poll.entry("archived").archived("raw/x/archived");
        poll.entry("staged").stage(new MessageOutcome(), new UsageBatch("staged"));
        poll.entry("accounted").moveTo(Poll.State.ACCOUNTED);
        poll.entry("dead").moveTo(Poll.State.DEAD_LETTERED);
        poll.entry("released").moveTo(Poll.State.RELEASED);
        poll.entry("left").moveTo(Poll.State.LEFT);
        IllegalStateException commitFailed = new IllegalStateException("commit failed");

        poll.failUnsettled(commitFailed);

        assertEquals(List.of("received", "archived", "staged"), ids(poll.in(Poll.State.FAILED)));
        assertSame(commitFailed, poll.entry("staged").failure());
        assertEquals(List.of("accounted"), ids(poll.in(Poll.State.ACCOUNTED)));
        assertEquals(List.of("dead"), ids(poll.in(Poll.State.DEAD_LETTERED)));
        assertEquals(List.of("released"), ids(poll.in(Poll.State.RELEASED)));
        assertEquals(List.of("left"), ids(poll.in(Poll.State.LEFT)));
    }

    @Test
    void hands_each_consumer_exchange_back_once_failing_only_the_failed_ones() {
        Poll poll = pollOf("failed", "accounted");
        IllegalStateException boom = new IllegalStateException("boom");
        poll.entry("failed").fail(boom);
        poll.entry("accounted").moveTo(Poll.State.ACCOUNTED);

        for (Poll.Entry entry : poll.getEntries()) {
            entry.complete();
            entry.complete();
        }

        assertEquals(1, completions.get("failed").get());
        assertEquals(1, completions.get("accounted").get());
        assertSame(boom, poll.entry("failed").parked().getException(), "SQS redelivers a failed message");
        assertNull(poll.entry("accounted").parked().getException());
    }

    @Test
    void a_replay_is_a_poll_of_one_archived_message_nothing_waits_for() {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
        exchange.setProperty(ExchangeProps.RAW_KEY, "raw/2021/04/26/14/m-1");

        Poll poll = Poll.ofArchived(exchange);

        assertEquals(List.of("m-1"), ids(poll.in(Poll.State.ARCHIVED)));
        assertEquals("raw/2021/04/26/14/m-1", poll.entry("m-1").getRawKey());
        poll.entry("m-1").complete(); // nothing to hand back: must not fail
    }

    @Test
    void is_going_until_the_consumer_says_it_is_stopping() {
        Poll poll = pollOf("m-1");
        assertTrue(poll.isGoing());
        AtomicInteger asked = new AtomicInteger();
        poll.goingWhile(() -> asked.incrementAndGet() < 2);
        assertTrue(poll.isGoing());
        assertEquals(false, poll.isGoing());
    }
}
