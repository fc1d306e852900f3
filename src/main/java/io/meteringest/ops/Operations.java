package io.meteringest.ops;

import io.meteringest.AwsClients;
import io.meteringest.ExchangeProps;
import io.meteringest.RouteIds;
import io.meteringest.ingest.S3Keys;
import io.meteringest.usage.UsageStore;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Redrive, replay and flush on a running instance: registered as the MBean
 * {@code io.meteringest:type=operations} (see {@link OperationsMBean}), which the jar's
 * {@code redrive}, {@code replay} and {@code flush} subcommands call over remote JMX.
 */
public final class Operations implements OperationsMBean {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final CamelContext context;
    private final String queue;
    private final String deadLetterQueue;
    private final String bucket;

    public Operations(CamelContext context, String queue, String deadLetterQueue, String bucket) {
        this.context = context;
        this.queue = queue;
        this.deadLetterQueue = deadLetterQueue;
        this.bucket = bucket;
    }

    @Override
    public int redrive(int max) {
        try (SqsClient sqs = AwsClients.sqs(context)) {
            String from = sqs.getQueueUrl(b -> b.queueName(deadLetterQueue)).queueUrl();
            String to = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            int moved = 0;
            while (moved < max) {
                int batch = Math.min(10, max - moved);
                List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(from).maxNumberOfMessages(batch)
                        .waitTimeSeconds(1).messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
                if (messages.isEmpty()) {
                    break;
                }
                for (Message message : messages) {
                    Map<String, MessageAttributeValue> attributes = message.messageAttributes();
                    MessageAttributeValue source = attributes.get("source-message-id");
                    // the source message id as dedup id: a redrive cut short and run again moves it once
                    String dedupId = source != null ? source.stringValue() : message.messageId();
                    sqs.sendMessage(b -> b.queueUrl(to).messageBody(message.body()).messageAttributes(attributes)
                            .messageGroupId(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
                            .messageDeduplicationId(dedupId));
                    sqs.deleteMessage(b -> b.queueUrl(from).receiptHandle(message.receiptHandle()));
                    moved++;
                    LOG.info("redrive: message {} moved back to {} as a new message", message.messageId(), queue);
                }
            }
            return moved;
        }
    }

    @Override
    public String replay(String from, String to) {
        Instant start;
        Instant end;
        try {
            start = Instant.parse(from);
            end = Instant.parse(to);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("replay needs ISO-8601 instants such as 2026-11-21T20:00:00Z, got '"
                    + from + "' and '" + to + "'");
        }
        int messages = 0;
        int alreadyAccounted = 0;
        long accounted = 0;
        try (S3Client s3 = AwsClients.s3(context); ProducerTemplate template = context.createProducerTemplate()) {
            for (Instant hour = start.truncatedTo(ChronoUnit.HOURS); hour.isBefore(end); hour = hour.plus(1, ChronoUnit.HOURS)) {
                long hourMillis = hour.toEpochMilli();
                String prefix = S3Keys.rawHourPrefix(hourMillis);
                for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                    ResponseBytes<GetObjectResponse> raw = s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key()));
                    Map<String, String> metadata = raw.response().metadata();
                    String messageId = metadata.getOrDefault(S3Keys.META_MESSAGE_ID, object.key().substring(prefix.length()));
                    Exchange done = template.send(RouteIds.direct(RouteIds.INGEST_REPLAY), exchange -> {
                        exchange.getIn().setBody(raw.asByteArray());
                        exchange.getIn().setHeader("CamelAwsSqsMessageId", messageId);
                        // the hour of the original SentTimestamp: reports land on the same keys again
                        exchange.getIn().setHeader("SentTimestamp", Long.toString(hourMillis));
                        if (metadata.containsKey(S3Keys.META_GROUP_ID)) {
                            exchange.getIn().setHeader("MessageGroupId", metadata.get(S3Keys.META_GROUP_ID));
                        }
                    });
                    if (done.getException() != null) {
                        throw new IllegalStateException("replay of " + object.key() + " failed: "
                                + done.getException().getMessage(), done.getException());
                    }
                    UsageStore.Accounting accounting = done.getProperty(ExchangeProps.ACCOUNTING, UsageStore.Accounting.class);
                    messages++;
                    if (accounting != null && accounting.alreadyAccounted()) {
                        alreadyAccounted++;
                    } else if (accounting != null) {
                        accounted += accounting.accounted();
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return "replayed " + messages + " message(s) from " + start + " to " + end + ": " + alreadyAccounted
                + " already accounted (unchanged), " + accounted + " record(s) newly accounted";
    }

    @Override
    public String flush() {
        // the timer's flush, run now: the logic is the usage-flush route's
        try (ProducerTemplate template = context.createProducerTemplate()) {
            Exchange done = template.send(RouteIds.direct(RouteIds.USAGE_FLUSH), exchange -> { });
            if (done.getException() != null) {
                throw new IllegalStateException("flush failed: " + done.getException().getMessage(), done.getException());
            }
            String ids = done.getProperty(ExchangeProps.FLUSH_IDS, String.class);
            List<String> flushes = ids == null || ids.isBlank() ? List.of() : List.of(ids.trim().split(" +"));
            return switch (flushes.size()) {
                case 0 -> "no closed windows to flush; pending flushes written";
                case 1 -> "flush " + flushes.get(0) + " written";
                default -> flushes.size() + " flushes written: " + String.join(", ", flushes);
            };
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers this MBean while the CamelContext runs (one per context, so tests can run several). */
    public org.apache.camel.Service asService() {
        return new org.apache.camel.support.service.ServiceSupport() {
            private javax.management.ObjectName name;

            @Override
            protected void doStart() throws Exception {
                name = new javax.management.ObjectName("io.meteringest:type=operations,context=" + context.getName());
                var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                if (!server.isRegistered(name)) {
                    server.registerMBean(Operations.this, name);
                }
            }

            @Override
            protected void doStop() throws Exception {
                var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                if (name != null && server.isRegistered(name)) {
                    server.unregisterMBean(name);
                }
            }
        };
    }


}
