package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ExchangeProps;
import io.meteringest.usage.UsageBatch;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each message's fate in its poll as ingest-poll works through it, and so which messages the poll
 * deletes: accounted and dead-lettered ones; a failed one stays on the queue without failing the rest.
 */
class PollOutcomesTest {

    private final CamelContext context = new DefaultCamelContext();
    private final PollOutcomes outcomes = new PollOutcomes();
    private final Poll poll = new Poll();

    @AfterEach
    void stop() {
        context.stop();
    }

    /** The consumer's exchange of a message, parked in the poll. */
    private void received(String messageId) {
        Exchange consumed = new DefaultExchange(context);
        consumed.getIn().setHeader(Sqs2Constants.MESSAGE_ID, messageId);
        poll.add(consumed, doneSync -> { });
    }

    /** An exchange of the poll's split for one message, as the routes see it. */
    private Exchange step(String messageId) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(ExchangeProps.POLL, poll);
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, messageId);
        return exchange;
    }

    private Exchange archivedStep(String messageId) {
        Exchange exchange = step(messageId);
        exchange.setProperty(ExchangeProps.RAW_KEY, "raw/2021/04/26/14/" + messageId);
        outcomes.archived(exchange);
        return exchange;
    }

    private void staged(String messageId) {
        Exchange exchange = archivedStep(messageId);
        exchange.setProperty(ExchangeProps.OUTCOME, new MessageOutcome());
        exchange.setProperty(ExchangeProps.USAGE_BATCH, new UsageBatch(messageId));
        outcomes.staged(exchange);
    }

    private List<String> deletable() {
        return poll.getDeletable().stream().map(Poll.Entry::getMessageId).toList();
    }

    @Test
    void the_poll_deletes_its_accounted_and_dead_lettered_messages_and_nothing_else() {
        for (String id : List.of("good", "dead", "failed", "archived-only", "also-good")) {
            received(id);
        }
        staged("good");
        outcomes.deadLettered(step("dead"));
        Exchange failing = archivedStep("failed");
        failing.setException(new IllegalStateException("validation blew up"));
        outcomes.aggregate(null, failing);
        archivedStep("archived-only");
        staged("also-good");
        assertEquals(List.of("dead"), deletable(), "nothing staged is deleted before the poll's commit");

        outcomes.accounted(step("good"));

        assertEquals(List.of("good", "dead", "also-good"), deletable());
        assertEquals(Poll.State.FAILED, poll.entry("failed").getState());
        assertEquals(Poll.State.ARCHIVED, poll.entry("archived-only").getState());
    }

    @Test
    void archiving_records_the_raw_key_and_staging_keeps_the_outcome_and_the_accepted_records() {
        received("m-1");
        Exchange exchange = archivedStep("m-1");
        assertEquals("raw/2021/04/26/14/m-1", poll.entry("m-1").getRawKey());
        assertEquals(Poll.State.ARCHIVED, poll.entry("m-1").getState());
        MessageOutcome outcome = new MessageOutcome();
        UsageBatch batch = new UsageBatch("m-1");
        exchange.setProperty(ExchangeProps.OUTCOME, outcome);
        exchange.setProperty(ExchangeProps.USAGE_BATCH, batch);

        outcomes.staged(exchange);

        assertSame(outcome, poll.entry("m-1").getOutcome());
        assertEquals(List.of(batch), poll.getStagedBatches());
    }

    @Test
    void a_failed_message_is_marked_failed_and_the_poll_goes_on_with_the_next() {
        received("m-1");
        received("m-2");
        IllegalStateException boom = new IllegalStateException("boom");
        Exchange first = step("m-1");
        first.setException(boom);
        first.setRouteStop(true);
        first.getExchangeExtension().setRedeliveryExhausted(true);

        Exchange kept = outcomes.aggregate(null, first);

        assertSame(first, kept);
        assertNull(first.getException(), "the split goes on: the failure stays with its message");
        assertFalse(first.isRouteStop());
        assertFalse(first.getExchangeExtension().isRedeliveryExhausted());
        assertEquals(Poll.State.FAILED, poll.entry("m-1").getState());
        assertSame(boom, poll.entry("m-1").failure());

        Exchange second = step("m-2");
        assertSame(first, outcomes.aggregate(first, second), "the split's result stays the first exchange");
        assertEquals(Poll.State.RECEIVED, poll.entry("m-2").getState(), "a message without a failure keeps its state");
    }

    @Test
    void a_dead_lettered_message_that_ended_its_route_ends_only_that_message() {
        received("m-1");
        Exchange dead = step("m-1");
        outcomes.deadLettered(dead);
        dead.getExchangeExtension().setErrorHandlerHandled(true);
        dead.setRouteStop(true);

        outcomes.aggregate(null, dead);

        assertEquals(Poll.State.DEAD_LETTERED, poll.entry("m-1").getState());
        assertNull(dead.getExchangeExtension().getErrorHandlerHandled());
        assertFalse(dead.isRouteStop());
    }

    @Test
    void an_exchange_that_did_not_come_through_ingest_poll_is_refused() {
        Exchange stray = new DefaultExchange(context);
        stray.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> outcomes.archived(stray));
        assertTrue(refused.getMessage().contains("ingest-poll"), refused.getMessage());
    }

    @Test
    void a_replayed_message_goes_through_validation_and_accounting_like_a_received_one() {
        Exchange archived = new DefaultExchange(context);
        archived.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
        archived.setProperty(ExchangeProps.RAW_KEY, "raw/2021/04/26/14/m-1");
        Poll replay = outcomes.replay(archived);
        archived.setProperty(ExchangeProps.POLL, replay);
        archived.setProperty(ExchangeProps.OUTCOME, new MessageOutcome());
        archived.setProperty(ExchangeProps.USAGE_BATCH, new UsageBatch("m-1"));

        outcomes.staged(archived);
        outcomes.accounted(archived);

        assertEquals(List.of("m-1"), replay.getAccounted().stream().map(Poll.Entry::getMessageId).toList());
        assertEquals("raw/2021/04/26/14/m-1", replay.entry("m-1").getRawKey());
    }

    /** A real store accounts the poll, as usage-account does; the second poll redelivers m-1. */
    @Test
    void one_done_line_per_accounted_message_and_the_redelivered_ones_listed_apart(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path folder) throws Exception {
        MessageValidator validator = new MessageValidator(new io.meteringest.record.RecordSplitter(),
                new io.meteringest.record.RecordValidator(java.time.Clock.systemUTC(), java.time.Duration.ofHours(1)));
        io.meteringest.usage.Windows windows = io.meteringest.usage.Windows.of("window", java.time.Duration.ofMinutes(1),
                "grace", java.time.Duration.ofSeconds(30));
        try (io.meteringest.usage.RocksUsageStore store = new io.meteringest.usage.RocksUsageStore(folder,
                new io.meteringest.usage.RecordKeys(io.meteringest.usage.RecordKeys.DedupMode.CONTENT), windows,
                java.time.Duration.ofDays(14), java.time.Clock.systemUTC())) {
            store.createSchema();
            for (String id : List.of("m-1", "m-2")) {
                received(id);
                Exchange exchange = archivedStep(id);
                MessageOutcome outcome = validator.validate(io.meteringest.testkit.Records.record("c-" + id) + "\nnot json\n");
                UsageBatch batch = new UsageBatch(id);
                outcome.getAcceptedByMeter().forEach(group -> batch.addAll(group.getRecords()));
                exchange.setProperty(ExchangeProps.OUTCOME, outcome);
                exchange.setProperty(ExchangeProps.USAGE_BATCH, batch);
                outcomes.staged(exchange);
            }
            store.account(poll.getStagedBatches());
            outcomes.accounted(step("m-1"));

            assertEquals(List.of("message m-1 done: 1 accepted (0 duplicate), 1 rejected, raw at raw/2021/04/26/14/m-1",
                    "message m-2 done: 1 accepted (0 duplicate), 1 rejected, raw at raw/2021/04/26/14/m-2"),
                    new BatchDelete(context, "ingest.fifo").doneLines(poll));
            assertEquals(List.of(), outcomes.accountedBefore(step("m-1")));

            Poll again = new Poll();
            Exchange consumed = new DefaultExchange(context);
            consumed.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
            again.add(consumed, doneSync -> { });
            Exchange redelivered = new DefaultExchange(context);
            redelivered.setProperty(ExchangeProps.POLL, again);
            redelivered.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
            redelivered.setProperty(ExchangeProps.RAW_KEY, "raw/2021/04/26/14/m-1");
            outcomes.archived(redelivered);
            UsageBatch batch = new UsageBatch("m-1");
            redelivered.setProperty(ExchangeProps.OUTCOME, new MessageOutcome());
            redelivered.setProperty(ExchangeProps.USAGE_BATCH, batch);
            outcomes.staged(redelivered);
            store.account(again.getStagedBatches());
            outcomes.accounted(redelivered);

            assertEquals(List.of("m-1"), outcomes.accountedBefore(redelivered).stream().map(Poll.Entry::getMessageId).toList());
        }
    }
}
