package io.meteringest.ingest;

import io.meteringest.ExchangeProps;
import io.meteringest.usage.UsageBatch;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;

/**
 * Records each message's fate in its {@link Poll} as {@code ingest-poll} works through it. As the
 * aggregation strategy of the poll's splits it keeps one message's failure to that message: the
 * message is marked failed (left on the queue, its group held back) and the poll goes on.
 */
public final class PollOutcomes implements AggregationStrategy {

    /** A poll of one archived message, for a replay through validation and accounting. */
    public Poll replay(Exchange exchange) {
        return Poll.ofArchived(exchange);
    }

    /** The raw body is in S3. */
    public void archived(Exchange exchange) {
        entry(exchange).archived(exchange.getProperty(ExchangeProps.RAW_KEY, String.class));
    }

    /** The raw body is in the dead-letter queue: the message is deleted with the poll, nothing accounted. */
    public void deadLettered(Exchange exchange) {
        entry(exchange).moveTo(Poll.State.DEAD_LETTERED);
    }

    /** Validated: the accepted records wait for the poll's one commit. */
    public void staged(Exchange exchange) {
        entry(exchange).stage(exchange.getProperty(ExchangeProps.OUTCOME, MessageOutcome.class),
                exchange.getProperty(ExchangeProps.USAGE_BATCH, UsageBatch.class));
    }

    /** The poll's commit is done: its staged messages are accounted and may be deleted. */
    public void accounted(Exchange exchange) {
        Poll poll = exchange.getProperty(ExchangeProps.POLL, Poll.class);
        poll.in(Poll.State.STAGED).forEach(e -> e.moveTo(Poll.State.ACCOUNTED));
    }

    /** The poll's accounted messages that had been accounted before (redeliveries): totals unchanged. */
    public java.util.List<Poll.Entry> accountedBefore(Exchange exchange) {
        return exchange.getProperty(ExchangeProps.POLL, Poll.class).getAccounted().stream()
                .filter(e -> e.getAccounting() != null && e.getAccounting().alreadyAccounted()).toList();
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exception failure = newExchange.getException();
        if (failure != null) {
            entry(newExchange).fail(failure);
            newExchange.setException(null);
        }
        // a message's dead-lettering (handled) or release (stop) ends that message, not the poll
        newExchange.getExchangeExtension().setErrorHandlerHandled(null);
        newExchange.getExchangeExtension().setRedeliveryExhausted(false);
        newExchange.setRouteStop(false);
        return oldExchange == null ? newExchange : oldExchange;
    }

    private static Poll.Entry entry(Exchange exchange) {
        Poll poll = exchange.getProperty(ExchangeProps.POLL, Poll.class);
        if (poll == null) {
            throw new IllegalStateException("no poll on the exchange: the message must come through ingest-poll");
        }
        return poll.entry(exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class));
    }
}
