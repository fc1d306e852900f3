package io.meteringest.ops;

import static io.meteringest.ErrorText.firstLine;

import io.meteringest.AwsClients;
import io.meteringest.usage.UsageStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Readiness of what the pipeline depends on: the queue, the bucket and the usage store, probed by
 * the {@code ops-probe} timer route (so a health request never waits on AWS), plus the gauges that
 * need polling: queue depth, in-flight messages, dead-letter depth and flush lag.
 */
public final class AwsProbe extends AbstractHealthCheck {

    private final CamelContext context;
    private final UsageStore store;
    private final String queue;
    private final String deadLetterQueue;
    private final String bucket;
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong deadLetterDepth = new AtomicLong();
    private final AtomicLong flushLagMillis = new AtomicLong();
    private volatile String problem = "not probed yet";
    private SqsClient sqs;
    private S3Client s3;
    /** looked up once: queue URLs do not change while the queues exist */
    private String queueUrl;
    private String deadLetterQueueUrl;
    private boolean gaugesRegistered;

    public AwsProbe(CamelContext context, UsageStore store, String queue, String deadLetterQueue, String bucket) {
        super("meter-ingest", "dependencies");
        this.context = context;
        this.store = store;
        this.queue = queue;
        this.deadLetterQueue = deadLetterQueue;
        this.bucket = bucket;
    }

    @Override
    public boolean isLiveness() {
        return false; // an AWS outage is not a reason to restart the process
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String current = problem;
        if (current == null) {
            builder.up();
        } else {
            builder.message(current).down();
        }
    }

    /** Called by ops-probe: checks SQS, S3 and the store, refreshes the gauges. */
    public synchronized void probe() {
        registerGauges();
        try {
            clients();
            Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(b -> b
                    .queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            queueDepth.set(Long.parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)));
            inFlight.set(Long.parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)));
            deadLetterDepth.set(Long.parseLong(sqs.getQueueAttributes(b -> b
                    .queueUrl(deadLetterQueueUrl)
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                    .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)));
        } catch (RuntimeException e) {
            problem = "SQS queue " + queue + " unreachable: " + firstLine(e);
            return;
        }
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (RuntimeException e) {
            problem = "S3 bucket " + bucket + " unreachable: " + firstLine(e);
            return;
        }
        try {
            flushLagMillis.set(store.flushLagMillis());
        } catch (RuntimeException e) {
            problem = "usage store unreachable: " + firstLine(e);
            return;
        }
        problem = null;
    }

    private void clients() {
        if (sqs == null) {
            sqs = AwsClients.sqs(context);
            s3 = AwsClients.s3(context);
        }
        if (queueUrl == null) {
            queueUrl = sqs.getQueueUrl(q -> q.queueName(queue)).queueUrl();
            deadLetterQueueUrl = sqs.getQueueUrl(q -> q.queueName(deadLetterQueue)).queueUrl();
        }
    }

    private void registerGauges() {
        if (gaugesRegistered) {
            return;
        }
        MeterRegistry registry = IngestMeters.registry(context);
        if (registry != null) {
            Gauge.builder("meter_ingest_queue_depth", queueDepth, AtomicLong::get)
                    .description("Messages waiting on the ingest queue").register(registry);
            Gauge.builder("meter_ingest_queue_in_flight", inFlight, AtomicLong::get)
                    .description("Messages received and not yet deleted or released").register(registry);
            Gauge.builder("meter_ingest_dead_letter_queue_depth", deadLetterDepth, AtomicLong::get)
                    .description("Messages on the dead-letter queue").register(registry);
            Gauge.builder("meter_ingest_flush_lag_seconds", flushLagMillis, v -> v.get() / 1000.0)
                    .description("Age of the oldest closed window not yet written to S3").register(registry);
        }
        gaugesRegistered = true;
    }
}
