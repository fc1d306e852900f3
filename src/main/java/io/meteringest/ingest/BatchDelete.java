package io.meteringest.ingest;

import io.meteringest.AwsClients;
import io.meteringest.ExchangeProps;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes the messages of one poll that are done (accounted, or dead-lettered) with DeleteMessageBatch
 * calls of up to 10 ({@code ingest-delete}), after the poll's one commit: one SQS call per receive
 * instead of one per message. If the process dies before, the messages come back and are recognised
 * as already accounted. Returns how many were handed to SQS; then names each accounted message for its done line.
 */
public final class BatchDelete {

    private static final Logger LOG = LoggerFactory.getLogger(BatchDelete.class);

    private final CamelContext context;
    private final String queue;
    private volatile SqsClient sqs;
    private volatile String queueUrl;

    public BatchDelete(CamelContext context, String queue) {
        this.context = context;
        this.queue = queue;
    }

    public int delete(@ExchangeProperty(ExchangeProps.POLL) Poll poll) {
        List<Poll.Entry> done = poll.getDeletable();
        for (int from = 0; from < done.size(); from += 10) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(done.size(), from + 10); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i))
                        .receiptHandle(done.get(i).getReceiptHandle()).build());
            }
            try {
                DeleteMessageBatchResponse response = client().deleteMessageBatch(b -> b.queueUrl(queueUrl()).entries(entries));
                response.failed().forEach(f -> LOG.warn("delete of a processed message failed ({}: {}); it will be received"
                        + " again and recognised as already accounted", f.code(), f.message()));
            } catch (RuntimeException e) {
                LOG.warn("delete of {} processed message(s) failed ({}); they will be received again and recognised as"
                        + " already accounted", entries.size(), e.getMessage());
            }
        }
        return done.size();
    }

    /** One log line per accounted message of the poll, logged by ingest-delete after the delete. */
    public List<String> doneLines(@ExchangeProperty(ExchangeProps.POLL) Poll poll) {
        return poll.getAccounted().stream().map(e -> "message " + e.getMessageId()
                + " done: " + e.getOutcome().getAccepted() + " accepted (" + e.getAccounting().duplicates() + " duplicate), "
                + e.getOutcome().getRejected() + " rejected, raw at " + e.getRawKey()).toList();
    }

    private SqsClient client() {
        if (sqs == null) {
            sqs = AwsClients.endpointSqs(context);
        }
        return sqs;
    }

    private String queueUrl() {
        if (queueUrl == null) {
            queueUrl = client().getQueueUrl(b -> b.queueName(queue)).queueUrl();
        }
        return queueUrl;
    }
}
