package io.meteringest.ingest;

import io.meteringest.record.RecordOutcome;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * The split's aggregation strategy in {@code ingest-validate}: folds each record's
 * {@link RecordOutcome} (exchange property {@code recordOutcome}) into one {@link MessageOutcome},
 * which becomes the message body after the split, also for a body with no records at all.
 */
public final class MessageOutcomeStrategy implements AggregationStrategy {

    public static final String RECORD_OUTCOME = "recordOutcome";

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange result = oldExchange == null ? newExchange : oldExchange;
        MessageOutcome outcome = oldExchange == null
                ? new MessageOutcome()
                : oldExchange.getIn().getBody(MessageOutcome.class);
        RecordOutcome record = newExchange.getProperty(RECORD_OUTCOME, RecordOutcome.class);
        if (record != null) {
            outcome.add(record);
        }
        result.getIn().setBody(outcome);
        return result;
    }

    @Override
    public void onCompletion(Exchange exchange, Exchange inputExchange) {
        // an empty array splits into nothing: still give the route a MessageOutcome to test
        if (exchange == null && inputExchange != null) {
            inputExchange.getIn().setBody(new MessageOutcome());
        }
    }
}
