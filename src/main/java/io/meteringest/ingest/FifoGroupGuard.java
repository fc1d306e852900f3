package io.meteringest.ingest;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;

/**
 * Keeps FIFO order when a message fails. One receive can return several messages of the same
 * MessageGroupId; Camel's consumer would process the later ones even after an earlier one failed.
 * This guard remembers a failed group until the failed message can be received again (its
 * visibility timeout) and releases the group's later messages back to the queue instead of
 * processing them; SQS hands them out again behind the failed message, in order. Called first by
 * the {@code ingest-consume} route.
 */
public final class FifoGroupGuard {

    private static final Logger LOG = LoggerFactory.getLogger(FifoGroupGuard.class);
    static final String GROUP_HEADER = "MessageGroupId";

    /** A group held back because {@code failedMessageId} failed; lasts until that message can be received again. */
    private record Block(String failedMessageId, long untilMillis) {
    }

    private final Clock clock;
    private final Map<String, Block> blocked = new ConcurrentHashMap<>();
    private final AtomicLong released = new AtomicLong();
    /** queue name -> URL, looked up once: a release happens when SQS may be struggling */
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();

    public FifoGroupGuard(Clock clock) {
        this.clock = clock;
    }

    /**
     * Returns true when the message was released because an earlier message of its group failed;
     * the route then stops. Otherwise the message proceeds and its outcome is watched. The failed
     * message itself is always let through again: its retry is what unblocks the group.
     */
    public boolean releaseIfGroupBlocked(Exchange exchange) {
        String group = exchange.getIn().getHeader(GROUP_HEADER, String.class);
        if (group == null) {
            return false; // standard queue: no ordering to keep
        }
        String messageId = exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class);
        Block block = blocked.get(group);
        long now = clock.millis();
        if (block != null && block.untilMillis() > now && !block.failedMessageId().equals(messageId)) {
            // invisible until the block ends: no tight receive/release loop, no needless receive counts
            int seconds = (int) Math.max(1, (block.untilMillis() - now + 999) / 1000);
            release(exchange, messageId, group, seconds);
            released.incrementAndGet();
            return true;
        }
        long holdMillis = visibilityTimeoutSeconds(exchange) * 1000L;
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onFailure(Exchange failed) {
                blocked.put(group, new Block(messageId, clock.millis() + holdMillis));
            }

            @Override
            public void onComplete(Exchange done) {
                blocked.remove(group);
            }
        });
        return false;
    }

    /** Messages released back to the queue so far. */
    public long releasedCount() {
        return released.get();
    }

    private void release(Exchange exchange, String messageId, String group, int seconds) {
        LOG.info("message {} released for {}s: an earlier message of group {} failed", messageId, seconds, group);
        Sqs2Endpoint endpoint = (Sqs2Endpoint) exchange.getFromEndpoint();
        var client = endpoint.getClient();
        String queueUrl = queueUrls.computeIfAbsent(endpoint.getConfiguration().getQueueName(),
                name -> client.getQueueUrl(b -> b.queueName(name)).queueUrl());
        client.changeMessageVisibility(ChangeMessageVisibilityRequest.builder()
                .queueUrl(queueUrl)
                .receiptHandle(exchange.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class))
                .visibilityTimeout(seconds)
                .build());
    }

    private static int visibilityTimeoutSeconds(Exchange exchange) {
        Integer timeout = exchange.getFromEndpoint() instanceof Sqs2Endpoint sqs
                ? sqs.getConfiguration().getVisibilityTimeout() : null;
        return timeout != null ? timeout : 30; // SQS's default queue visibility timeout
    }
}
