package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.record.RecordOutcome;
import io.meteringest.testkit.Records;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ingest-validate's split result: every record's verdict folded into one MessageOutcome, also for no records. */
class MessageOutcomeStrategyTest {

    private final CamelContext context = new DefaultCamelContext();
    private final MessageOutcomeStrategy strategy = new MessageOutcomeStrategy();

    @AfterEach
    void stop() {
        context.stop();
    }

    private Exchange splitExchange(RecordOutcome outcome) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(MessageOutcomeStrategy.RECORD_OUTCOME, outcome);
        exchange.getIn().setBody("the record's own body, replaced by the outcome");
        return exchange;
    }

    /** Aggregates the split exchanges as Camel's split does: the first result is passed back in each time. */
    private Exchange aggregateAll(List<Exchange> exchanges) {
        Exchange result = null;
        for (Exchange exchange : exchanges) {
            result = strategy.aggregate(result, exchange);
        }
        return result;
    }

    @Test
    void counts_accepted_records_and_keeps_every_rejected_one_in_body_order() {
        List<RecordOutcome> verdicts = Records.outcomes(Records.record("c-1") + "\n"
                + "{\"customerId\":\"c-2\",\"meterApiName\":\"M\",\"meterValue\":\"5\",\"meterTimeInMillis\":1}\n"
                + Records.record("c-3") + "\n"
                + "not json\n");
        List<Exchange> split = verdicts.stream().map(this::splitExchange).toList();

        Exchange result = aggregateAll(split);

        assertSame(split.get(0), result);
        MessageOutcome outcome = result.getIn().getBody(MessageOutcome.class);
        assertEquals(2, outcome.getAccepted());
        assertEquals(2, outcome.getRejected());
        assertEquals(List.of(1, 3), outcome.getRejections().stream().map(RecordOutcome::index).toList());
        assertTrue(outcome.getRejections().stream().noneMatch(RecordOutcome::isAccepted));
    }

    @Test
    void a_split_exchange_without_a_verdict_adds_nothing() {
        Exchange accepted = splitExchange(Records.outcomes(Records.record("c-1")).get(0));
        Exchange withoutVerdict = new DefaultExchange(context);

        MessageOutcome outcome = aggregateAll(List.of(accepted, withoutVerdict)).getIn().getBody(MessageOutcome.class);

        assertEquals(1, outcome.getAccepted());
        assertEquals(0, outcome.getRejected());
    }

    @Test
    void a_body_with_no_records_still_gives_the_route_an_empty_outcome_to_test() {
        Exchange input = new DefaultExchange(context);
        input.getIn().setBody("[]");

        strategy.onCompletion(null, input);

        MessageOutcome outcome = input.getIn().getBody(MessageOutcome.class);
        assertEquals(0, outcome.getAccepted());
        assertEquals(0, outcome.getRejected());
    }

    @Test
    void a_split_that_had_records_keeps_its_outcome_on_completion() {
        Exchange result = aggregateAll(List.of(splitExchange(Records.outcomes(Records.record("c-1")).get(0))));
        MessageOutcome outcome = result.getIn().getBody(MessageOutcome.class);
        Exchange input = new DefaultExchange(context);
        input.getIn().setBody("the message body");

        strategy.onCompletion(result, input);

        assertSame(outcome, result.getIn().getBody(MessageOutcome.class));
        assertEquals("the message body", input.getIn().getBody());
    }
}
