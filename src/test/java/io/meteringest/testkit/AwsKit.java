package io.meteringest.testkit;

import static org.awaitility.Awaitility.await;

import io.meteringest.local.EmbeddedAws;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What the route tests, the integration tests and the benchmark do to the SQS and S3 servers around
 * the app: queues and bucket set up, messages sent as producers send them, queue depth, the objects
 * and usage rows the app wrote. Plain SDK calls on real servers (ElasticMQ + S3Proxy), nothing faked.
 */
public final class AwsKit {

    /** The shipped application.properties' names (ingest.queue, ingest.dead-letter-queue, ingest.bucket). */
    public static final String QUEUE = "meter-ingest.fifo";
    public static final String DEAD_LETTER_QUEUE = "meter-ingest-dlq.fifo";
    public static final String BUCKET = "meter-ingest";

    private static EmbeddedAws shared;

    private AwsKit() {
    }

    /** One pair of servers for the whole test JVM (route tests and the ingest unit tests); S3 lives under target/. */
    public static synchronized EmbeddedAws sharedServers() {
        if (shared == null) {
            try {
                shared = EmbeddedAws.start(0, 0, Path.of("target", "route-test-s3"));
            } catch (Exception e) {
                throw new IllegalStateException("embedded SQS/S3 did not start", e);
            }
        }
        return shared;
    }

    /**
     * The shipped names on {@code aws}: the FIFO queue, its FIFO dead-letter queue (redrive after
     * {@code maxReceiveCount} receives) and the bucket. Returns the queue's URL.
     */
    public static String createShippedQueuesAndBucket(EmbeddedAws aws, SqsClient sqs, int maxReceiveCount) {
        aws.createBucket(BUCKET);
        return createQueues(sqs, QUEUE, DEAD_LETTER_QUEUE, maxReceiveCount);
    }

    /**
     * A FIFO queue and its FIFO dead-letter queue with the redrive policy between them, on whatever
     * server {@code sqs} talks to (the embedded one, LocalStack); returns the queue's URL.
     */
    public static String createQueues(SqsClient sqs, String queue, String deadLetterQueue, int maxReceiveCount) {
        String dlqUrl = sqs.createQueue(b -> b.queueName(deadLetterQueue)
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return sqs.createQueue(b -> b.queueName(queue).attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"))).queueUrl();
    }

    public static String queueUrl(SqsClient sqs, String queueName) {
        return sqs.getQueueUrl(b -> b.queueName(queueName)).queueUrl();
    }

    /** Visible plus in-flight messages: 0 means every message was deleted (or moved to the dead-letter queue). */
    public static int messagesOn(SqsClient sqs, String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Visible messages only: those no consumer holds right now. */
    public static int visibleOn(SqsClient sqs, String queueUrl) {
        return Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    /** Waits (at most {@code atMost}, a generous bound, not a speed check) until every queue given is empty. */
    public static void awaitEmpty(SqsClient sqs, Duration atMost, String... queueUrls) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (String url : queueUrls) {
                if (messagesOn(sqs, url) != 0) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Sends as the reference producers do: the given group, a random MessageDeduplicationId. Returns the message id. */
    public static String send(SqsClient sqs, String queueUrl, String body, String group) {
        return sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body).messageGroupId(group)
                .messageDeduplicationId(UUID.randomUUID().toString())).messageId();
    }

    /** The same with a random MessageGroupId too. */
    public static String send(SqsClient sqs, String queueUrl, String body) {
        return send(sqs, queueUrl, body, UUID.randomUUID().toString());
    }

    /** The keys under {@code prefix}, sorted. */
    public static List<String> keys(S3Client s3, String bucket, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    /** The SQS message ids of the raw archive (the last part of each {@code raw/...} key). */
    public static List<String> rawMessageIds(S3Client s3, String bucket) {
        return keys(s3, bucket, "raw/").stream().map(k -> k.substring(k.lastIndexOf('/') + 1)).toList();
    }

    /** Every usage row written to the bucket: the lines of all {@code usage/**}{@code .ndjson} objects. */
    public static List<String> usageRows(S3Client s3, String bucket) {
        List<String> rows = new ArrayList<>();
        for (String key : keys(s3, bucket, "usage/")) {
            if (key.endsWith(".ndjson")) {
                rows.addAll(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8)
                        .lines().toList());
            }
        }
        return rows;
    }
}
