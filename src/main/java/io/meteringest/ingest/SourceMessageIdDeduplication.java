package io.meteringest.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.MessageDeduplicationIdStrategy;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;

/**
 * FIFO dedup id for messages we send on behalf of a consumed message (the dead-letter queue):
 * the source SQS message id, so a redelivered source that is dead-lettered twice within SQS's
 * five-minute window lands in the DLQ once. Falls back to the exchange id (Camel's default) when
 * there is no source message. Installed on the aws2-sqs component by {@code IngestConfiguration}
 * because the endpoint URI option only accepts Camel's two built-in strategy names.
 */
public final class SourceMessageIdDeduplication implements MessageDeduplicationIdStrategy {

    @Override
    public String getMessageDeduplicationId(Exchange exchange) {
        String source = exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class);
        return source != null ? source : exchange.getExchangeId();
    }
}
