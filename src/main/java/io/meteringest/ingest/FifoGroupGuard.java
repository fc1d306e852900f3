package io.meteringest.ingest;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * visibility timeout) and releases the group's later messages of that poll back to the queue
 * (visibility 0) instead of processing them. SQS then hands them out again only after the failed
 * message, in order. Called first by the {@code ingest-consume} route.
 */
public final class FifoGroupGuard {

    private static final Logger LOG = LoggerFactory.getLogger(FifoGroupGuard.class);
    static final String GROUP_HEADER = "MessageGroupId";

    private final Clock clock;
    /** group id -> epoch millis until which the group's later messages are held back */
    private final Map<String, Long> blockedUntil = new ConcurrentHashMap<>();

    public FifoGroupGuard(Clock clock) {
        this.clock = clock;
    }

    /**
     * Returns true when the message was released because an earlier message of its group failed;
     * the route then stops. Otherwise the message proceeds and its outcome is watched.
     */
    public boolean releaseIfGroupBlocked(Exchange exchange) {
        String group = exchange.getIn().getHeader(GROUP_HEADER, String.class);
        if (group == null) {
            return false; // standard queue: no ordering to keep
        }
        Long until = blockedUntil.get(group);
        if (until != null && until > clock.millis()) {
            release(exchange);
            return true;
        }
        blockedUntil.remove(group, until);
        long holdMillis = visibilityTimeoutSeconds(exchange) * 1000L;
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onFailure(Exchange failed) {
                blockedUntil.put(group, clock.millis() + holdMillis);
            }

            @Override
            public void onComplete(Exchange done) {
                blockedUntil.remove(group);
            }
        });
        return false;
    }

    /** Groups currently held back, for tests and operators. */
    public boolean isBlocked(String group) {
        Long until = blockedUntil.get(group);
        return until != null && until > clock.millis();
    }

    private static void release(Exchange exchange) {
        Sqs2Endpoint endpoint = (Sqs2Endpoint) exchange.getFromEndpoint();
        String messageId = exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class);
        LOG.info("message {} released: an earlier message of group {} failed in this poll",
                messageId, exchange.getIn().getHeader(GROUP_HEADER));
        var client = endpoint.getClient();
        String queueUrl = client.getQueueUrl(b -> b.queueName(endpoint.getConfiguration().getQueueName())).queueUrl();
        client.changeMessageVisibility(ChangeMessageVisibilityRequest.builder()
                .queueUrl(queueUrl)
                .receiptHandle(exchange.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class))
                .visibilityTimeout(0)
                .build());
    }

    private static int visibilityTimeoutSeconds(Exchange exchange) {
        Integer timeout = exchange.getFromEndpoint() instanceof Sqs2Endpoint sqs
                ? sqs.getConfiguration().getVisibilityTimeout() : null;
        return timeout != null ? timeout : 30; // SQS's default queue visibility timeout
    }
}
