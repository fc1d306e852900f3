package io.meteringest.ingest;

import io.meteringest.ExchangeProps;
import io.meteringest.usage.UsageBatch;
import io.meteringest.usage.UsageStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;

/**
 * The messages of one SQS receive, worked through together as one unit ({@code ingest-poll}): archived
 * with their PUTs in flight at once, validated one after the other in receive order, accounted in
 * one store transaction and deleted in DeleteMessageBatch calls. Each message keeps its own fate: one
 * failing does not fail the rest. Exchange property {@link ExchangeProps#POLL} of the poll's exchanges.
 */
public final class Poll {

    /** Where a message of the poll stands. */
    public enum State {
        /** received, not yet archived */
        RECEIVED,
        /** raw body in S3 */
        ARCHIVED,
        /** raw body in the dead-letter queue: delete it, account nothing */
        DEAD_LETTERED,
        /** given back to the queue unprocessed, behind a failed message of its group */
        RELEASED,
        /** not started because the consumer is stopping: handed back to the queue at once (visibility 0) */
        LEFT,
        /** validated, its accepted records waiting for the poll's commit */
        STAGED,
        /** accounted in the store (or accounted before): delete it */
        ACCOUNTED,
        /** failed somewhere: left on the queue for SQS to redeliver */
        FAILED
    }

    /** One message of the poll, with the consumer's exchange that waits for it. */
    public static final class Entry {
        private final Exchange parked;
        private final AsyncCallback callback;
        private final String messageId;
        private final String group;
        private volatile State state = State.RECEIVED;
        private volatile Exception failure;
        private volatile MessageOutcome outcome;
        private volatile UsageBatch batch;
        private boolean completed;
        private volatile String rawKey;

        Entry(Exchange parked, AsyncCallback callback) {
            this.parked = parked;
            this.callback = callback;
            this.messageId = parked.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class);
            this.group = parked.getIn().getHeader(FifoGroupGuard.GROUP_HEADER, String.class);
        }

        public String getMessageId() {
            return messageId;
        }

        public String getGroup() {
            return group;
        }

        public State getState() {
            return state;
        }

        /** The SQS message as received: headers and body. */
        public Message getMessage() {
            return parked.getIn();
        }

        public String getRawKey() {
            return rawKey;
        }

        public MessageOutcome getOutcome() {
            return outcome;
        }

        public UsageStore.Accounting getAccounting() {
            return batch == null ? null : batch.accounting();
        }

        public String getReceiptHandle() {
            return parked.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class);
        }

        Exchange parked() {
            return parked;
        }

        Exception failure() {
            return failure;
        }

        UsageBatch batch() {
            return batch;
        }

        void moveTo(State next) {
            state = next;
        }

        void archived(String key) {
            rawKey = key;
            state = State.ARCHIVED;
        }

        void fail(Exception e) {
            failure = e;
            state = State.FAILED;
        }

        void stage(MessageOutcome messageOutcome, UsageBatch accepted) {
            outcome = messageOutcome;
            batch = accepted;
            state = State.STAGED;
        }

        /** Hands the consumer's exchange back (once): a failed message fails it (SQS redelivers), any other completes. */
        synchronized void complete() {
            if (completed) {
                return;
            }
            completed = true;
            if (state == State.FAILED) {
                parked.setException(failure != null ? failure : new IllegalStateException("message not processed"));
            }
            callback.done(false);
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byId = new HashMap<>();
    private volatile java.util.function.BooleanSupplier going = () -> true;

    /** False once the consumer is shutting down: messages not started by then are left for redelivery. */
    public boolean isGoing() {
        return going.getAsBoolean();
    }

    void goingWhile(java.util.function.BooleanSupplier condition) {
        going = condition;
    }

    /** A poll of one message already in the archive (replay): nothing waits for it. */
    public static Poll ofArchived(Exchange exchange) {
        Poll poll = new Poll();
        poll.add(exchange, doneSync -> { });
        poll.entries.get(0).archived(exchange.getProperty(ExchangeProps.RAW_KEY, String.class));
        return poll;
    }

    /** Parks a consumer exchange in the poll until the poll is done. */
    void add(Exchange exchange, AsyncCallback callback) {
        Entry entry = new Entry(exchange, callback);
        entries.add(entry);
        byId.put(entry.getMessageId(), entry);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** All messages, in receive order. */
    public List<Entry> getEntries() {
        return Collections.unmodifiableList(entries);
    }

    public Entry entry(String messageId) {
        Entry entry = byId.get(messageId);
        if (entry == null) {
            throw new IllegalStateException("message " + messageId + " is not part of this poll");
        }
        return entry;
    }

    /** The messages in a state, in receive order. */
    public List<Entry> in(State state) {
        return entries.stream().filter(e -> e.state == state).toList();
    }

    /** The staged messages' accepted records, in receive order: what the poll's one commit accounts. */
    public List<UsageBatch> getStagedBatches() {
        return in(State.STAGED).stream().map(Entry::batch).toList();
    }

    /** Messages accounted by this poll's commit (or accounted before), in receive order. */
    public List<Entry> getAccounted() {
        return in(State.ACCOUNTED);
    }

    /** Messages that may be deleted now: accounted, or dead-lettered. */
    public List<Entry> getDeletable() {
        return entries.stream().filter(e -> e.state == State.ACCOUNTED || e.state == State.DEAD_LETTERED).toList();
    }

    /**
     * The poll is over: a message it did not settle (accounted, dead-lettered, released or failed),
     * because its commit failed or the poll could not finish, fails with {@code e} and stays on the queue.
     */
    void failUnsettled(Exception e) {
        for (Entry entry : entries) {
            if (entry.state == State.RECEIVED || entry.state == State.ARCHIVED || entry.state == State.STAGED) {
                entry.fail(e);
            }
        }
    }
}
