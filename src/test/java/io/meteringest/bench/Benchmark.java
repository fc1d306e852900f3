package io.meteringest.bench;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The performance benchmark (README, "Performance"); not a test. In one run, on loopback ElasticMQ +
 * S3Proxy as the tests run them, for each workload and interleaved repeats: the ceiling (a bare AWS
 * SDK loop: receive 10, PUT each raw body in parallel, DeleteMessageBatch; no parsing; as many
 * loops as the app has consumers) and meter-ingest end to end (the packaged jar with the shipped
 * application.properties, from its consumer's start until the queue is drained, which is after
 * every message's accounting was committed). Then the codec JMH benchmark. Prints one table.
 *
 * <p>{@code ./mvnw -q -Pbenchmark verify} ({@code -Dbench.repeats=3 -Dbench.workloads=A,B,C}).
 */
public final class Benchmark {

    private static final Pattern DONE = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .* message (\\S+) done: ");
    private static final Path JAR = Path.of("target", "meter-ingest.jar");
    /** the JVM options of README's run command ({@code -Dbench.app-jvm-options} to try others) */
    static final String APP_JVM_OPTIONS = System.getProperty("bench.app-jvm-options", "-Xmx256m -XX:+UseSerialGC");

    /** One measured drain of a preloaded queue. */
    record Run(double seconds, int messages, int records, List<Long> latenciesMillis, long peakRssKib,
               long sqsCalls, long s3Puts) {
        double messagesPerSecond() {
            return messages / seconds;
        }

        long percentile(double p) {
            List<Long> sorted = new ArrayList<>(latenciesMillis);
            Collections.sort(sorted);
            return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        }
    }

    public static void main(String[] args) throws Exception {
        int repeats = Integer.getInteger("bench.repeats", 3);
        List<String> selected = List.of(System.getProperty("bench.workloads", "A,B,C").split(","));
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run ./mvnw -Pbenchmark verify");
        }
        int consumers = consumers();
        Path work = Files.createTempDirectory("meter-ingest-bench-");
        Map<String, List<Run>> ceilings = new LinkedHashMap<>();
        Map<String, List<Run>> apps = new LinkedHashMap<>();
        Map<String, Workload> workloads = new LinkedHashMap<>();
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
             SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
            aws.createBucket("bench-ceiling");
            aws.createBucket("meter-ingest");
            long seed = 42;
            for (String name : selected) {
                Workload workload = switch (name.trim()) {
                    case "A" -> Workload.a(seed);
                    case "B" -> Workload.b(seed);
                    case "C" -> Workload.c(seed, largestBody(aws, sqs));
                    default -> throw new IllegalArgumentException("workload " + name + ": expected A, B or C");
                };
                workloads.put(workload.name(), workload);
                for (int r = 1; r <= repeats; r++) {
                    // interleaved, and the order alternates, so drift on a noisy machine hits both sides
                    String id = workload.name().toLowerCase() + r;
                    if (r % 2 == 1) {
                        ceilings.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(ceiling(aws, sqs, s3, workload, id, consumers));
                        apps.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(app(aws, sqs, workload, id, work, consumers));
                    } else {
                        apps.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(app(aws, sqs, workload, id, work, consumers));
                        ceilings.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(ceiling(aws, sqs, s3, workload, id, consumers));
                    }
                    System.err.printf("workload %s repeat %d: ceiling %.0f msg/s, meter-ingest %.0f msg/s%n", workload.name(), r,
                            last(ceilings.get(workload.name())).messagesPerSecond(), last(apps.get(workload.name())).messagesPerSecond());
                }
            }
        }
        // what bounds A: the usage store alone, on A's records; and again with H2 committing in the
        // background (not durable before the delete, so not shippable): the most that batching commits could buy
        String storeUrl = shipped("ingest.store.url");
        double store = workloads.containsKey("A") ? StoreBenchmark.recordsPerSecond(storeUrl, work.resolve("durable"), 500) : -1;
        double storeAsync = workloads.containsKey("A")
                ? StoreBenchmark.recordsPerSecond(storeUrl.replace(";WRITE_DELAY=0", ""), work.resolve("async"), 500) : -1;
        CodecBenchmark.Result codec = Boolean.parseBoolean(System.getProperty("bench.codec", "true")) ? CodecBenchmark.run(Integer.getInteger("bench.codec-pairs", 3)) : null;
        String table = table(workloads, ceilings, apps, codec, consumers, repeats);
        if (store > 0) {
            table += String.format("usage store alone (shipped H2 settings, workload A's records, one transaction per message,"
                    + " no SQS/S3/Camel): %.0f records/s = %.0f msgs/s of A; with commits written in the background"
                    + " (not durable, not shippable): %.0f records/s%n", store, store / 100, storeAsync);
        }
        System.out.println(table);
    }

    private static String shipped(String key) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            properties.load(in);
        }
        return properties.getProperty(key, "").trim();
    }

    /**
     * The consumer count the shipped application.properties configures (the ceiling loops as many);
     * {@code -Dbench.consumers=N} tries another count on both sides.
     */
    private static int consumers() throws IOException {
        if (!System.getProperty("bench.consumers", "").isBlank()) {
            return Integer.getInteger("bench.consumers");
        }
        String configured = shipped("camel.component.aws2-sqs.concurrent-consumers");
        return configured.isEmpty() ? 1 : Integer.parseInt(configured);
    }

    /** 1 MiB if the server takes it, else the largest power of two it does. */
    private static int largestBody(EmbeddedAws aws, SqsClient sqs) {
        aws.createQueues("bench-probe.fifo", "bench-probe-dlq.fifo", 5);
        String url = sqs.getQueueUrl(b -> b.queueName("bench-probe.fifo")).queueUrl();
        for (int size = 1 << 20; size >= 1 << 16; size /= 2) {
            String body = "x".repeat(size);
            try {
                sqs.sendMessage(b -> b.queueUrl(url).messageBody(body).messageGroupId("g").messageDeduplicationId("d" + body.length()));
                sqs.purgeQueue(b -> b.queueUrl(url));
                return size;
            } catch (RuntimeException tooLarge) {
                // try half
            }
        }
        throw new IllegalStateException("the SQS server takes no 64 KiB body");
    }

    /** Sends the workload as producers do; returns message id -> send time (ms). */
    private static Map<String, Long> preload(SqsClient sqs, String url, Workload workload) throws Exception {
        Map<String, Long> sent = new ConcurrentHashMap<>();
        boolean large = workload.bytes() / workload.messages().size() > 100 * 1024;
        int batch = large ? 1 : 10;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        // groups in order: a group's messages go from one thread, so their FIFO order is the list's
        Map<String, List<Workload.Message>> byGroup = new LinkedHashMap<>();
        for (Workload.Message m : workload.messages()) {
            byGroup.computeIfAbsent(m.group(), k -> new ArrayList<>()).add(m);
        }
        List<List<Workload.Message>> lanes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lanes.add(new ArrayList<>());
        }
        int lane = 0;
        for (List<Workload.Message> group : byGroup.values()) {
            lanes.get(lane++ % 4).addAll(group);
        }
        for (List<Workload.Message> messages : lanes) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < messages.size(); i += batch) {
                    List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int j = i; j < Math.min(i + batch, messages.size()); j++) {
                        Workload.Message m = messages.get(j);
                        entries.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody(m.body())
                                .messageGroupId(m.group()).messageDeduplicationId(java.util.UUID.randomUUID().toString()).build());
                    }
                    var response = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries));
                    if (!response.failed().isEmpty()) {
                        throw new IllegalStateException("preload failed: " + response.failed());
                    }
                    long now = System.currentTimeMillis();
                    response.successful().forEach(s -> sent.put(s.messageId(), now));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return sent;
    }

    private static String newQueue(EmbeddedAws aws, SqsClient sqs, String name) {
        aws.createQueues(name + ".fifo", name + "-dlq.fifo", 5);
        return sqs.getQueueUrl(b -> b.queueName(name + ".fifo")).queueUrl();
    }

    /** The bare SDK loop: receive 10, PUT each body in parallel, DeleteMessageBatch; {@code loops} of them. */
    static Run ceiling(EmbeddedAws aws, SqsClient sqs, S3Client s3, Workload workload, String id, int loops) throws Exception {
        String url = newQueue(aws, sqs, "bench-ceiling-" + id);
        Map<String, Long> sent = preload(sqs, url, workload);
        int total = workload.messages().size();
        AtomicInteger done = new AtomicInteger();
        AtomicLong sqsCalls = new AtomicLong();
        AtomicLong puts = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ExecutorService putPool = Executors.newFixedThreadPool(loops * 10);
        ExecutorService loopPool = Executors.newFixedThreadPool(loops);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int l = 0; l < loops; l++) {
            running.add(loopPool.submit(() -> {
                while (done.get() < total) {
                    List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                            .messages();
                    sqsCalls.incrementAndGet();
                    if (messages.isEmpty()) {
                        continue;
                    }
                    List<Future<?>> uploads = new ArrayList<>();
                    for (Message m : messages) {
                        uploads.add(putPool.submit(() -> s3.putObject(b -> b.bucket("bench-ceiling").key("raw/" + m.messageId()),
                                RequestBody.fromString(m.body()))));
                    }
                    for (Future<?> upload : uploads) {
                        upload.get();
                    }
                    puts.addAndGet(messages.size());
                    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int i = 0; i < messages.size(); i++) {
                        entries.add(DeleteMessageBatchRequestEntry.builder().id("d" + i)
                                .receiptHandle(messages.get(i).receiptHandle()).build());
                    }
                    sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
                    sqsCalls.incrementAndGet();
                    long now = System.currentTimeMillis();
                    messages.forEach(m -> latencies.add(now - sent.get(m.messageId())));
                    done.addAndGet(messages.size());
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        putPool.shutdown();
        loopPool.shutdown();
        return new Run(seconds, total, workload.records(), new ArrayList<>(latencies), -1, sqsCalls.get(), puts.get());
    }

    /** The packaged jar, shipped settings, against the same servers; timed from its consumer's start to an empty queue. */
    static Run app(EmbeddedAws aws, SqsClient sqs, Workload workload, String id, Path work, int consumers) throws Exception {
        String name = "bench-app-" + id;
        String url = newQueue(aws, sqs, name);
        Map<String, Long> sent = preload(sqs, url, workload);
        Path log = work.resolve(name + ".log");
        Path calls = work.resolve(name + "-aws-calls.txt");
        Map<String, String> props = new HashMap<>(aws.camelProperties());
        props.put("ingest.embedded", "false");
        props.put("ingest.queue", name + ".fifo");
        props.put("ingest.dead-letter-queue", name + "-dlq.fifo");
        props.put("ingest.bucket", "meter-ingest");
        // the shipped store settings, with a fresh file per run
        props.put("ingest.store.url", shipped("ingest.store.url")
                .replace("./data/usage-store", work.resolve(name + "-store").toAbsolutePath().toString()));
        props.put("camel.management.port", String.valueOf(FreePort.find()));
        props.put("ingest.audit.aws-calls-file", calls.toString());
        props.put("camel.component.aws2-sqs.concurrent-consumers", String.valueOf(consumers));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(APP_JVM_OPTIONS.split(" ")).stream().filter(s -> !s.isBlank()).toList());
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(log).contains("Started ingest-consume")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("meter-ingest did not start:\n" + Files.readString(log));
                }
                Thread.sleep(10);
            }
            long start = System.nanoTime();
            deadline = start + TimeUnit.MINUTES.toNanos(15);
            while (inQueue(sqs, url) > 0) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("meter-ingest did not drain the queue:\n" + tail(log));
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long rss = peakRssKib(process.pid());
            List<String> recorded = Files.exists(calls) ? Files.readAllLines(calls) : List.of();
            long sqsCalls = recorded.stream().filter(c -> c.startsWith("Sqs:")).count();
            long puts = recorded.stream().filter(c -> c.equals("S3:PutObject")).count();
            return new Run(seconds, workload.messages().size(), workload.records(), latencies(log, sent), rss, sqsCalls, puts);
        } finally {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static int inQueue(SqsClient sqs, String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    /** Sent -> done per message: the app logs "message <id> done" right after the message's delete. */
    private static List<Long> latencies(Path log, Map<String, Long> sent) throws IOException {
        List<Long> latencies = new ArrayList<>();
        LocalDate today = LocalDate.now(ZoneId.systemDefault());
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = DONE.matcher(line);
            if (m.find() && sent.containsKey(m.group(2))) {
                long at = LocalTime.parse(m.group(1)).atDate(today).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
                long latency = at - sent.get(m.group(2));
                latencies.add(latency < -3_600_000 ? latency + 86_400_000 : latency); // the run crossed midnight
            }
        }
        return latencies;
    }

    private static long peakRssKib(long pid) throws IOException {
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static Run last(List<Run> runs) {
        return runs.get(runs.size() - 1);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The run whose throughput is the median: its latencies, RSS and call counts are reported. */
    private static Run medianRun(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((x, y) -> Double.compare(x.messagesPerSecond(), y.messagesPerSecond()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    static String table(Map<String, Workload> workloads, Map<String, List<Run>> ceilings, Map<String, List<Run>> apps,
                        CodecBenchmark.Result codec, int consumers, int repeats) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nmeter-ingest benchmark: %d cores, Java %s, %d consumer(s), app JVM '%s', medians of %d interleaved"
                        + " repeats%n%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), consumers,
                APP_JVM_OPTIONS, repeats));
        out.append("| workload | what | msgs/s | records/s | ratio to ceiling | target | p50 ms | p99 ms | peak RSS MiB | SQS calls/msg | S3 PUTs/msg |\n");
        out.append("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Workload w : workloads.values()) {
            List<Run> c = ceilings.get(w.name());
            List<Run> a = apps.get(w.name());
            double ceiling = median(c.stream().map(Run::messagesPerSecond).toList());
            double app = median(a.stream().map(Run::messagesPerSecond).toList());
            // per repeat, the ratio of the interleaved pair; its median is the figure
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < Math.min(c.size(), a.size()); i++) {
                ratios.add(a.get(i).messagesPerSecond() / c.get(i).messagesPerSecond());
            }
            double ratio = median(ratios);
            String target = switch (w.name()) {
                case "A" -> ratio >= 0.8 ? ">= 0.8: met" : ">= 0.8: NOT met";
                case "B" -> ratio >= 0.7 ? ">= 0.7: met" : ">= 0.7: NOT met";
                default -> "-";
            };
            Run cm = medianRun(c);
            Run am = medianRun(a);
            out.append(row(w.name() + ": " + w.description(), "ceiling (SDK loop)", ceiling, w, "1.00", "", cm));
            out.append(row("", "meter-ingest", app, w, String.format("%.2f", ratio), target, am));
        }
        if (codec != null) {
            out.append(String.format("%ncodec + validator: %.0f records/s; bare Jackson streaming parse of the same bytes: %.0f records/s;"
                            + " ratio %.2f, median of %d interleaved pairs (target >= 0.5: %s)%n", codec.codecRecordsPerSecond(),
                    codec.jacksonRecordsPerSecond(), codec.ratio(), codec.pairs(), codec.ratio() >= 0.5 ? "met" : "NOT met"));
        }
        return out.toString();
    }

    private static String row(String workload, String what, double messagesPerSecond, Workload w, String ratio, String target, Run run) {
        return String.format("| %s | %s | %.0f | %.0f | %s | %s | %d | %d | %s | %.2f | %.2f |%n", workload, what, messagesPerSecond,
                messagesPerSecond * w.recordsPerMessage(), ratio, target, run.percentile(0.5), run.percentile(0.99),
                run.peakRssKib() < 0 ? "-" : String.valueOf(run.peakRssKib() / 1024),
                (double) run.sqsCalls() / run.messages(), (double) run.s3Puts() / run.messages());
    }
}
