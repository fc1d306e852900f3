package io.meteringest.ingest;

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
final class AwsAudit implements ExecutionInterceptor {

    private final S3Client s3;
    private final String bucket;
    private final Map<String, Message> receivedByHandle = new ConcurrentHashMap<>();
    private final Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    final List<String> deletedMessageIds = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final AtomicInteger receives = new AtomicInteger();

    AwsAudit(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof DeleteMessageRequest delete) {
            checkDelete(delete.receiptHandle());
        } else if (context.request() instanceof DeleteMessageBatchRequest batch) {
            batch.entries().forEach(entry -> checkDelete(entry.receiptHandle()));
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
