package io.meteringest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.local.EmbeddedAws;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * What a user could write in an afternoon with the AWS SDK, run by the benchmark as a process of its
 * own. {@code ceiling}: {@code loops} threads, each: receive 10, PUT every raw body in parallel,
 * DeleteMessageBatch; no parsing (the most the SDK does here). {@code peer}: the same plus parsing,
 * validating and summing every record per (customer, meter, minute) in memory, no durability.
 * Prints {@code first-delete <epoch ms>} at its first delete and exits when {@code total} messages are done.
 *
 * <p>Args: ceiling|peer loops sqsPort s3Port queueUrl bucket total
 */
public final class SdkLoop {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SdkLoop() {
    }

    public static void main(String[] args) throws Exception {
        boolean peer = args[0].equals("peer");
        int loops = Integer.parseInt(args[1]);
        EmbeddedAws aws = EmbeddedAws.attach(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of("."));
        String url = args[4];
        String bucket = args[5];
        int total = Integer.parseInt(args[6]);
        // the SDK's optional checksums off, as meter-ingest runs
        System.setProperty("aws.requestChecksumCalculation", "WHEN_REQUIRED");
        System.setProperty("aws.responseChecksumValidation", "WHEN_REQUIRED");
        Map<String, BigDecimal> sums = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicBoolean firstDelete = new AtomicBoolean();
        try (SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            ExecutorService putPool = Executors.newFixedThreadPool(loops * 10);
            ExecutorService loopPool = Executors.newFixedThreadPool(loops);
            List<Future<?>> running = new ArrayList<>();
            for (int l = 0; l < loops; l++) {
                running.add(loopPool.submit(() -> {
                    while (done.get() < total) {
                        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                                .messages();
                        if (messages.isEmpty()) {
                            continue;
                        }
                        List<Future<?>> uploads = new ArrayList<>();
                        for (Message m : messages) {
                            uploads.add(putPool.submit(() -> s3.putObject(b -> b.bucket(bucket).key("raw/" + m.messageId()),
                                    RequestBody.fromString(m.body()))));
                        }
                        if (peer) {
                            for (Message m : messages) {
                                sum(m.body(), sums, rejected);
                            }
                        }
                        for (Future<?> upload : uploads) {
                            upload.get();
                        }
                        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                        for (int i = 0; i < messages.size(); i++) {
                            entries.add(DeleteMessageBatchRequestEntry.builder().id("d" + i)
                                    .receiptHandle(messages.get(i).receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
                        if (firstDelete.compareAndSet(false, true)) {
                            System.out.println("first-delete " + System.currentTimeMillis());
                            System.out.flush();
                        }
                        done.addAndGet(messages.size());
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            putPool.shutdown();
            loopPool.shutdown();
        }
        System.out.println("done " + done.get() + " messages, " + sums.size() + " sums, " + rejected.get() + " rejected");
        System.exit(0);
    }

    /** Parse, validate and sum one NDJSON body the way a hand-written consumer would. */
    private static void sum(String body, Map<String, BigDecimal> sums, AtomicInteger rejected) {
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode record = JSON.readTree(line);
                JsonNode customer = record.get("customerId");
                JsonNode meter = record.get("meterApiName");
                JsonNode value = record.get("meterValue");
                JsonNode time = record.get("meterTimeInMillis");
                JsonNode dimensions = record.get("dimensions");
                if (customer == null || !customer.isTextual() || customer.asText().isEmpty()
                        || meter == null || !meter.isTextual() || meter.asText().isEmpty()
                        || value == null || !value.isNumber() || time == null || !time.canConvertToLong() || time.asLong() <= 0
                        || dimensions != null && !dimensions.isObject()) {
                    rejected.incrementAndGet();
                    continue;
                }
                String key = customer.asText() + "|" + meter.asText() + "|" + (dimensions == null ? "{}" : dimensions.toString())
                        + "|" + time.asLong() / 60_000;
                sums.merge(key, value.decimalValue(), BigDecimal::add);
            } catch (Exception e) {
                rejected.incrementAndGet();
            }
        }
    }
}
