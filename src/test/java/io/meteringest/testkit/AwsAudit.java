package io.meteringest.testkit;

import io.meteringest.ingest.S3Keys;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Watches the real SQS client the routes use (an SDK execution interceptor, not a mock): at every
 * DeleteMessage (or DeleteMessageBatch entry) it checks, on the real S3 server, that the message's raw body is archived, or that
 * a send to the dead-letter queue carrying its id succeeded before. Any delete without either is a
 * violation of "no SQS message is deleted before its raw body is durably in S3 or in the DLQ".
 */
public final class AwsAudit implements ExecutionInterceptor {

    private final S3Client s3;
    private final String bucket;
    private final Map<String, Message> receivedByHandle = new ConcurrentHashMap<>();
    private final Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    private final List<String> deletedMessageIds = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> visibilityChanges = new ConcurrentHashMap<>();
    private final AtomicInteger receives = new AtomicInteger();

    public AwsAudit(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Ids of the messages deleted so far, in the order of their deletes. */
    public List<String> deletedMessageIds() {
        return deletedMessageIds;
    }

    /** Deletes that broke "archived or dead-lettered first"; empty when the routes kept it. */
    public List<String> violations() {
        return violations;
    }

    /** ReceiveMessage calls answered so far. */
    public int receives() {
        return receives.get();
    }

    /** Visibility changes (the consumer's extensions, a release) sent for a message, by its id. */
    public int visibilityChanges(String messageId) {
        AtomicInteger changes = visibilityChanges.get(messageId);
        return changes == null ? 0 : changes.get();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof DeleteMessageRequest delete) {
            checkDelete(delete.receiptHandle());
        } else if (context.request() instanceof DeleteMessageBatchRequest batch) {
            batch.entries().forEach(entry -> checkDelete(entry.receiptHandle()));
        }
    }

    private void countVisibilityChange(String receiptHandle) {
        Message message = receivedByHandle.get(receiptHandle);
        if (message != null) {
            visibilityChanges.computeIfAbsent(message.messageId(), id -> new AtomicInteger()).incrementAndGet();
        }
    }

    private void checkDelete(String receiptHandle) {
        Message message = receivedByHandle.get(receiptHandle);
        if (message == null) {
            violations.add("delete of a receipt handle never received: " + receiptHandle);
            return;
        }
        if (!deadLettered.contains(message.messageId()) && !archived(message)) {
            violations.add("message " + message.messageId() + " deleted before its raw body was in S3 or the DLQ");
        }
        deletedMessageIds.add(message.messageId());
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (context.response() instanceof ReceiveMessageResponse received) {
            receives.incrementAndGet();
            received.messages().forEach(m -> receivedByHandle.put(m.receiptHandle(), m));
        } else if (context.request() instanceof ChangeMessageVisibilityRequest change) {
            countVisibilityChange(change.receiptHandle());
        } else if (context.request() instanceof ChangeMessageVisibilityBatchRequest changes) {
            changes.entries().forEach(entry -> countVisibilityChange(entry.receiptHandle()));
        } else if (context.request() instanceof SendMessageRequest send && send.queueUrl().contains("-dlq")) {
            MessageAttributeValue source = send.messageAttributes().get("source-message-id");
            if (source != null) {
                deadLettered.add(source.stringValue());
            }
        }
    }

    private boolean archived(Message message) {
        String key = "raw/" + S3Keys.hourPath(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP))
                + "/" + message.messageId();
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }
}
