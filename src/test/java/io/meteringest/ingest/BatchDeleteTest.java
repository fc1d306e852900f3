package io.meteringest.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The poll's deletes, on the real embedded SQS server through the aws2-sqs component's client: the
 * deletable messages in DeleteMessageBatch calls of up to ten, the others left on the queue. The
 * client records each DeleteMessageBatch request it sends (an SDK interceptor, not a stand-in).
 */
class BatchDeleteTest {

    private final CamelContext context = new DefaultCamelContext();
    private final List<DeleteMessageBatchRequest> batches = new CopyOnWriteArrayList<>();
    private final String queue = "delete-" + UUID.randomUUID().toString().substring(0, 8) + ".fifo";
    private SqsClient sqs;
    private String queueUrl;

    @BeforeEach
    void start() {
        EmbeddedAws aws = AwsKit.sharedServers();
        sqs = client(aws.sqsEndpoint());
        queueUrl = AwsKit.createQueues(sqs, queue, queue.replace(".fifo", "-dlq.fifo"), 5);
        context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration().setAmazonSQSClient(sqs);
        context.start();
    }

    @AfterEach
    void stop() {
        context.stop();
        sqs.close();
    }

    private SqsClient client(URI endpoint) {
        return SqsClient.builder().endpointOverride(endpoint).region(Region.of(EmbeddedAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution call, ExecutionAttributes attributes) {
                        if (call.request() instanceof DeleteMessageBatchRequest batch) {
                            batches.add(batch);
                        }
                    }
                }))
                .build();
    }

    /** Sends {@code count} messages, each its own group, and receives them all (in flight for a minute). */
    private List<Message> receivedMessages(int count) {
        for (int i = 0; i < count; i++) {
            AwsKit.send(sqs, queueUrl, Records.record("c-" + i));
        }
        List<Message> received = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            received.addAll(sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).visibilityTimeout(60)
                    .waitTimeSeconds(1)).messages());
            return received.size() >= count;
        });
        return received;
    }

    private static Poll pollOf(CamelContext context, List<Message> messages) {
        Poll poll = new Poll();
        for (Message message : messages) {
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, message.messageId());
            exchange.getIn().setHeader(Sqs2Constants.RECEIPT_HANDLE, message.receiptHandle());
            poll.add(exchange, doneSync -> { });
        }
        return poll;
    }

    @Test
    void deletes_the_deletable_messages_in_batches_of_ten_and_leaves_the_rest_on_the_queue() {
        List<Message> messages = receivedMessages(23);
        Poll poll = pollOf(context, messages);
        List<String> deletable = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Poll.Entry entry = poll.getEntries().get(i);
            if (i == 4 || i == 17) {
                entry.fail(new IllegalStateException("not accounted"));
            } else {
                entry.moveTo(i % 3 == 0 ? Poll.State.DEAD_LETTERED : Poll.State.ACCOUNTED);
                deletable.add(messages.get(i).receiptHandle());
            }
        }

        int handed = new BatchDelete(context, queue).delete(poll);

        assertEquals(21, handed);
        assertEquals(List.of(10, 10, 1), batches.stream().map(b -> b.entries().size()).toList());
        assertEquals(deletable, batches.stream().flatMap(b -> b.entries().stream())
                .map(DeleteMessageBatchRequestEntry::receiptHandle).toList(), "receive order kept");
        for (DeleteMessageBatchRequest batch : batches) {
            assertEquals(queueUrl, batch.queueUrl());
            List<String> ids = batch.entries().stream().map(DeleteMessageBatchRequestEntry::id).toList();
            assertEquals(ids.size(), new HashSet<>(ids).size(), "entry ids unique within a batch: " + ids);
        }
        assertEquals(2, AwsKit.messagesOn(sqs, queueUrl), "the two failed messages stay for redelivery");
    }

    @Test
    void a_poll_with_nothing_to_delete_makes_no_call() {
        Poll poll = pollOf(context, receivedMessages(2));
        poll.getEntries().forEach(e -> e.moveTo(Poll.State.RELEASED));

        assertEquals(0, new BatchDelete(context, queue).delete(poll));
        assertEquals(List.of(), batches);
        assertEquals(2, AwsKit.messagesOn(sqs, queueUrl));
    }

    @Test
    void a_delete_sqs_refuses_leaves_the_messages_for_redelivery_without_failing_the_poll() {
        Poll poll = pollOf(context, receivedMessages(3));
        poll.getEntries().forEach(e -> e.moveTo(Poll.State.ACCOUNTED));
        // the component's client now points at a port nobody listens on
        SqsClient unreachable = client(URI.create("http://127.0.0.1:" + FreePort.find()));
        context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration().setAmazonSQSClient(unreachable);
        try {
            assertEquals(3, new BatchDelete(context, queue).delete(poll), "no exception: the poll is done either way");
        } finally {
            unreachable.close();
        }
        assertEquals(3, AwsKit.messagesOn(sqs, queueUrl), "accounted but not deleted: redelivered and recognised later");
    }
}
