package io.meteringest.bench;

import io.meteringest.local.EmbeddedAws;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What B's receives cost on the benchmark's queue server (README, "Performance", B): ElasticMQ with a
 * FIFO queue of 5,000 one-message groups, drained by receive + DeleteMessageBatch, timed with nothing
 * else in flight and with 10 other messages held in flight (as a second consumer's poll holds them).
 * Not a test. {@code java -Xmx2g -cp <test classpath> io.meteringest.bench.FifoReceiveProbe [rounds]}
 */
public final class FifoReceiveProbe {

    private static final int MESSAGES = 5_000;
    private static final int RECEIVES = 40;

    private FifoReceiveProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, Files.createTempDirectory("fifo-probe"))) {
            aws.createQueues("probe.fifo", "probe-dlq.fifo", 5);
            SqsClient sqs = aws.sqsClient();
            String url = sqs.getQueueUrl(b -> b.queueName("probe.fifo")).queueUrl();
            for (int i = 0; i < MESSAGES; i += 10) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int j = 0; j < 10; j++) {
                    int n = i + j;
                    entries.add(SendMessageBatchRequestEntry.builder().id("e" + j).messageBody("{\"n\":" + n + "}")
                            .messageGroupId("g" + n).messageDeduplicationId("d" + n).build());
                }
                sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries));
            }
            for (int round = 1; round <= rounds; round++) {
                double alone = receiveAndDelete(sqs, url);
                List<Message> held = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(600)).messages();
                double beside = receiveAndDelete(sqs, url);
                delete(sqs, url, held);
                System.out.printf("round %d: receive %.1f ms with nothing in flight, %.1f ms with %d messages in flight%n",
                        round, alone, beside, held.size());
            }
        }
    }

    /** Mean milliseconds of a receive of 10, each followed by its batch delete. */
    private static double receiveAndDelete(SqsClient sqs, String url) {
        long nanos = 0;
        for (int k = 0; k < RECEIVES; k++) {
            long start = System.nanoTime();
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)).messages();
            nanos += System.nanoTime() - start;
            delete(sqs, url, messages);
        }
        return nanos / 1e6 / RECEIVES;
    }

    private static void delete(SqsClient sqs, String url, List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int j = 0; j < messages.size(); j++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id("m" + j).receiptHandle(messages.get(j).receiptHandle()).build());
        }
        sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
    }
}
