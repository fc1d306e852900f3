package io.meteringest.ingest;

import io.meteringest.ExchangeProps;
import io.meteringest.RouteIds;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.DefaultPollingConsumerPollStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the aws2-sqs consumer's one-exchange-per-message into one unit of work per receive. Camel's
 * consumer hands a poll's messages to {@code ingest-consume} one after the other on its polling
 * thread; this processor (the route's last step) parks each one in that thread's {@link Poll}
 * without completing it, so the consumer moves on to the next. When the receive is handed out, the
 * consumer's poll strategy ({@code pollStrategy=#pollGate}) runs on the same thread: the whole poll
 * goes to {@code direct:ingest-poll} as one exchange, and afterwards every parked exchange is
 * completed (or failed) with its message's fate.
 *
 * <p>Why this shape: a poll belongs to exactly one consumer thread, so several consumers never mix
 * their polls (the aggregator's completionFromBatchConsumer counts across threads); the messages
 * stay in flight while their poll runs, so the consumer's visibility extension and Camel's
 * in-flight accounting (graceful shutdown, JMX) cover them until they are accounted or released;
 * and the consumer receives again only when its poll is done, so work in flight stays bounded.
 */
public final class PollGate extends AsyncProcessorSupport implements AsyncProcessor, PollingConsumerPollStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(PollGate.class);

    private final CamelContext context;
    private final FifoGroupGuard guard;
    private final DefaultPollingConsumerPollStrategy camelDefault = new DefaultPollingConsumerPollStrategy();
    private final ThreadLocal<Poll> current = new ThreadLocal<>();
    /** receives begun and not yet handed out (a long poll in flight counts) */
    private final AtomicInteger receiving = new AtomicInteger();
    private volatile boolean stopping;
    private volatile ProducerTemplate template;

    public PollGate(CamelContext context, FifoGroupGuard guard) {
        this.context = context;
        this.guard = guard;
    }

    /** A received message joins its thread's poll; it completes when the poll is done. */
    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Poll poll = current.get();
        if (poll == null) {
            poll = new Poll();
            current.set(poll);
        }
        poll.add(exchange, callback);
        return false;
    }

    /** No new receive once {@link #stopReceiving} was called. */
    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        receiving.incrementAndGet();
        if (stopping) {
            receiving.decrementAndGet();
            return false;
        }
        return camelDefault.begin(consumer, endpoint);
    }

    /** The receive is handed out: work the poll through, then settle each message's exchange. */
    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        try {
            runPoll(consumer);
            camelDefault.commit(consumer, endpoint, polledMessages);
        } finally {
            received();
        }
    }

    /** The receive failed (SQS unreachable): whatever was parked still gets its fate, then Camel's usual handling. */
    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception e) throws Exception {
        try {
            runPoll(consumer);
            return camelDefault.rollback(consumer, endpoint, retryCounter, e);
        } finally {
            received();
        }
    }

    /**
     * Graceful stop, before the consumer's route is stopped: no new receive starts, the message in
     * work finishes and the rest of its poll goes back to the queue, and
     * this returns once no receive is in flight, or after {@code timeoutMillis}. Why: Camel's shutdown
     * counts a consumer that is polling as one pending exchange and looks again once a second, so an
     * idle long poll (and the next one the scheduler starts meanwhile) held SIGTERM for ~3 s.
     */
    public boolean stopReceiving(long timeoutMillis) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        synchronized (receiving) {
            while (receiving.get() > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                receiving.wait(Math.min(left, 50));
            }
        }
        return true;
    }

    private void received() {
        if (receiving.decrementAndGet() == 0 && stopping) {
            synchronized (receiving) {
                receiving.notifyAll();
            }
        }
    }

    private void runPoll(Consumer consumer) {
        Poll poll = current.get();
        current.remove();
        if (poll == null || poll.isEmpty()) {
            return;
        }
        java.util.function.BooleanSupplier allowed =
                consumer instanceof org.apache.camel.support.ScheduledBatchPollingConsumer batch ? batch::isBatchAllowed : () -> true;
        poll.goingWhile(() -> !stopping && allowed.getAsBoolean());
        Exception failure = null;
        try {
            if (routeStopping(consumer)) {
                // a route stop or suspend (a reload stops every route, JMX stopRoute/suspendRoute) that
                // began during the receive: the routes ingest-poll calls may be stopping too, so the
                // whole receive goes back to the queue unstarted (the route's shutdownRunningTask
                // CompleteAllTasks hands all of it here instead of dropping it unseen)
                poll.getEntries().forEach(entry -> entry.moveTo(Poll.State.LEFT));
                LOG.info("poll of {} message(s) handed back to the queue: ingest-consume is stopping", poll.size());
                return;
            }
            failure = template().send(RouteIds.direct(RouteIds.INGEST_POLL), exchange -> exchange.setProperty(ExchangeProps.POLL, poll)).getException();
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (failure != null) {
                LOG.warn("poll of {} message(s) failed ({}); its unaccounted messages stay on the queue for redelivery",
                        poll.size(), failure.getMessage());
            }
            poll.failUnsettled(failure != null ? failure : new IllegalStateException("the poll ended before this message was done"));
            guard.settle(poll);
            for (Poll.Entry entry : poll.getEntries()) {
                entry.complete();
            }
        }
    }

    private static boolean routeStopping(Consumer consumer) {
        return consumer instanceof org.apache.camel.support.service.ServiceSupport service
                && (service.isSuspendingOrSuspended() || !service.isRunAllowed());
    }

    private ProducerTemplate template() {
        if (template == null) {
            template = context.createProducerTemplate();
        }
        return template;
    }
}
