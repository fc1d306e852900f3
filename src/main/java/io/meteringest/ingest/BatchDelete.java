package io.meteringest.ingest;

import io.meteringest.AwsClients;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.support.DefaultPollingConsumerPollStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes the messages of one poll with one DeleteMessageBatch call instead of one DeleteMessage
 * each. A poll's messages are worked through one after the other on the polling thread (which
 * {@link FifoGroupGuard} relies on too): each message that is done ({@code ingest-delete}) adds its
 * receipt handle to that thread's batch, and when the poll is over, however its messages ended, the
 * consumer's poll strategy ({@code pollStrategy=#batchDelete} on {@code ingest-consume}) sends it.
 * A message is thus deleted at most one poll's work after it was accounted; if the process dies in
 * between, the message comes back and is recognised as already accounted.
 */
public final class BatchDelete extends DefaultPollingConsumerPollStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(BatchDelete.class);

    private final CamelContext context;
    private final String queue;
    private final ThreadLocal<List<String>> pending = ThreadLocal.withInitial(ArrayList::new);
    private volatile SqsClient sqs;
    private volatile String queueUrl;

    public BatchDelete(CamelContext context, String queue) {
        this.context = context;
        this.queue = queue;
    }

    /** The poll is over: its messages were processed on this thread. */
    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        flush();
    }

    /** The poll failed (SQS unreachable): send what was gathered anyway, then Camel's usual handling. */
    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception e) throws Exception {
        flush();
        return super.rollback(consumer, endpoint, retryCounter, e);
    }

    /** The message is done (accounted, or dead-lettered): delete it with the rest of its poll. */
    public void add(Exchange exchange) {
        pending.get().add(exchange.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class));
    }

    /** Sends this thread's gathered deletes, in calls of up to 10. */
    public void flush() {
        List<String> handles = pending.get();
        if (handles.isEmpty()) {
            return;
        }
        List<String> batch = new ArrayList<>(handles);
        handles.clear();
        for (int from = 0; from < batch.size(); from += 10) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(batch.size(), from + 10); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i)).receiptHandle(batch.get(i)).build());
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
