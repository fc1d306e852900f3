package io.meteringest.ingest;

import io.meteringest.ExchangeProps;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;

/**
 * Keeps FIFO order when a message fails. One receive can return several messages of the same
 * MessageGroupId; once one of them fails, the group's later messages must not be processed ahead of
 * its retry. This guard releases them back to the queue instead (invisible until the failed message
 * can be received again), and remembers a failed group across polls until then; SQS hands them out
 * again behind the failed message, in order. Other groups go on. Used by {@code ingest-poll}: before
 * the archive ({@link #admit}) and as each message starts its validation ({@link #holdBack}).
 */
public final class FifoGroupGuard implements MeterBinder {

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
     * The poll's messages that may be worked on, in receive order: a message of a group that failed in
     * an earlier poll is released, unless the failed message itself is in this poll ahead of it (its
     * retry is what unblocks the group).
     */
    public Iterator<Message> admit(@ExchangeProperty(ExchangeProps.POLL) Poll poll) {
        Set<String> retried = new HashSet<>();
        for (Poll.Entry entry : poll.getEntries()) {
            Block block = entry.getGroup() == null ? null : blocked.get(entry.getGroup());
            if (block == null || retried.contains(entry.getGroup()) || block.untilMillis() <= clock.millis()) {
                continue;
            }
            if (block.failedMessageId().equals(entry.getMessageId())) {
                retried.add(entry.getGroup());
            } else {
                release(entry, block.untilMillis());
            }
        }
        return poll.in(Poll.State.RECEIVED).stream().map(Poll.Entry::getMessage).iterator();
    }

    /** The archived messages, in receive order, for validation one after the other. */
    public List<Message> inOrder(@ExchangeProperty(ExchangeProps.POLL) Poll poll) {
        return poll.in(Poll.State.ARCHIVED).stream().map(Poll.Entry::getMessage).toList();
    }

    /**
     * True when the message is not to be validated now, and so its way stops: the consumer is shutting
     * down (it is left: back to the queue at once, visibility 0, in {@link #settle}; the messages done
     * so far are still committed and deleted), or an earlier message of its group in this poll did not
     * get through (failed, or was released itself: this one is released behind it). Asked as each
     * message starts its validation, so the earlier ones are done by then.
     */
    public boolean holdBack(Exchange exchange) {
        Poll poll = exchange.getProperty(ExchangeProps.POLL, Poll.class);
        Poll.Entry entry = poll.entry(exchange.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class));
        if (!poll.isGoing()) {
            entry.moveTo(Poll.State.LEFT);
            LOG.info("message {} left on the queue: shutting down", entry.getMessageId());
            return true;
        }
        if (entry.getGroup() == null) {
            return false; // standard queue: no ordering to keep
        }
        for (Poll.Entry earlier : poll.getEntries()) {
            if (earlier == entry) {
                return false;
            }
            if (entry.getGroup().equals(earlier.getGroup()) && earlier.getState() != Poll.State.STAGED
                    && earlier.getState() != Poll.State.DEAD_LETTERED) {
                release(entry, clock.millis() + visibilityTimeoutSeconds(entry) * 1000L);
                return true;
            }
        }
        return false;
    }

    /**
     * After the poll: a failed message blocks its group until it can be received again; a done one
     * unblocks it; the messages left unstarted (the consumer is stopping) go back to the queue at once,
     * in one ChangeMessageVisibilityBatch, instead of staying invisible for their visibility timeout.
     * Their groups' order holds: SQS hands out none of a group while an earlier message of it is in flight.
     */
    void settle(Poll poll) {
        List<Poll.Entry> left = poll.in(Poll.State.LEFT);
        left.forEach(Poll.Entry::complete);
        handBack(left);
        for (Poll.Entry entry : poll.getEntries()) {
            if (entry.getGroup() == null) {
                continue; // standard queue: no ordering to keep
            }
            switch (entry.getState()) {
                case FAILED -> blocked.put(entry.getGroup(),
                        new Block(entry.getMessageId(), clock.millis() + visibilityTimeoutSeconds(entry) * 1000L));
                case ACCOUNTED, DEAD_LETTERED -> blocked.remove(entry.getGroup());
                default -> {
                    // released: its group's block stays as it is
                }
            }
        }
    }

    /** Messages released back to the queue so far ({@code meter_ingest_messages_released_total}). */
    public long releasedCount() {
        return released.get();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("meter_ingest_messages_released", released, AtomicLong::get)
                .description("Messages put back on the queue because an earlier message of their FIFO group failed")
                .register(registry);
    }

    private void release(Poll.Entry entry, long untilMillis) {
        // invisible until the block ends: no tight receive/release loop, no needless receive counts
        int seconds = (int) Math.max(1, (untilMillis - clock.millis() + 999) / 1000);
        LOG.info("message {} released for {}s: an earlier message of group {} failed", entry.getMessageId(), seconds,
                entry.getGroup());
        entry.moveTo(Poll.State.RELEASED);
        released.incrementAndGet();
        // done with it now, so the consumer stops extending its visibility
        entry.complete();
        changeVisibility(entry, seconds);
    }

    /** Visible again at once: ChangeMessageVisibilityBatch, ten at a time (one poll's messages share one endpoint). */
    private void handBack(List<Poll.Entry> entries) {
        for (int from = 0; from < entries.size(); from += 10) {
            List<Poll.Entry> chunk = entries.subList(from, Math.min(entries.size(), from + 10));
            Sqs2Endpoint endpoint = (Sqs2Endpoint) chunk.get(0).parked().getFromEndpoint();
            List<ChangeMessageVisibilityBatchRequestEntry> changes = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                changes.add(ChangeMessageVisibilityBatchRequestEntry.builder().id("m" + i)
                        .receiptHandle(chunk.get(i).getReceiptHandle()).visibilityTimeout(0).build());
            }
            try {
                var failed = endpoint.getClient().changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl(endpoint))
                        .entries(changes)).failed();
                failed.forEach(f -> LOG.warn("handing message {} back failed ({}); it comes back after its visibility timeout",
                        chunk.get(Integer.parseInt(f.id().substring(1))).getMessageId(), f.message()));
            } catch (RuntimeException e) {
                // they stay invisible for the rest of their visibility timeout instead: order holds either way
                LOG.warn("handing {} message(s) back failed ({}); they come back after their visibility timeout",
                        chunk.size(), e.getMessage());
            }
        }
    }

    private String queueUrl(Sqs2Endpoint endpoint) {
        return queueUrls.computeIfAbsent(endpoint.getConfiguration().getQueueName(),
                name -> endpoint.getClient().getQueueUrl(b -> b.queueName(name)).queueUrl());
    }

    private void changeVisibility(Poll.Entry entry, int seconds) {
        Sqs2Endpoint endpoint = (Sqs2Endpoint) entry.parked().getFromEndpoint();
        var client = endpoint.getClient();
        String queueUrl = queueUrl(endpoint);
        try {
            client.changeMessageVisibility(ChangeMessageVisibilityRequest.builder()
                    .queueUrl(queueUrl)
                    .receiptHandle(entry.getReceiptHandle())
                    .visibilityTimeout(seconds)
                    .build());
        } catch (RuntimeException e) {
            // it stays invisible for the rest of its visibility timeout instead: order holds either way
            LOG.warn("handing message {} back failed ({}); it comes back after its visibility timeout", entry.getMessageId(),
                    e.getMessage());
        }
    }

    private static int visibilityTimeoutSeconds(Poll.Entry entry) {
        Integer timeout = entry.parked().getFromEndpoint() instanceof Sqs2Endpoint sqs
                ? sqs.getConfiguration().getVisibilityTimeout() : null;
        return timeout != null ? timeout : 30; // SQS's default queue visibility timeout
    }
}
