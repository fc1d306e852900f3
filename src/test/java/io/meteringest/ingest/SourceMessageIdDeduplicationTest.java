package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dead-letter queue's dedup id: the source SQS message id, else Camel's default (the exchange id). */
class SourceMessageIdDeduplicationTest {

    private final CamelContext context = new DefaultCamelContext();
    private final SourceMessageIdDeduplication strategy = new SourceMessageIdDeduplication();

    @AfterEach
    void close() {
        context.stop();
    }

    @Test
    void the_dead_letter_queue_dedups_a_source_message_dead_lettered_twice() {
        // the source message id is the DLQ dedup id, so a redelivered source dead-lettered again is one DLQ message
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
        assertEquals("m-1", strategy.getMessageDeduplicationId(exchange));
        exchange.getIn().removeHeader(Sqs2Constants.MESSAGE_ID);
        assertEquals(exchange.getExchangeId(), strategy.getMessageDeduplicationId(exchange));
    }

    @Test
    void two_deliveries_of_one_source_message_get_one_dedup_id_and_other_messages_their_own() {
        Exchange first = delivery("m-1");
        Exchange redelivered = delivery("m-1");
        Exchange other = delivery("m-2");
        assertNotEquals(first.getExchangeId(), redelivered.getExchangeId());
        assertEquals(strategy.getMessageDeduplicationId(first), strategy.getMessageDeduplicationId(redelivered));
        assertNotEquals(strategy.getMessageDeduplicationId(first), strategy.getMessageDeduplicationId(other));
    }

    private Exchange delivery(String messageId) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, messageId);
        return exchange;
    }
}
