package io.meteringest.bench;

import static org.awaitility.Awaitility.await;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.ops.AwsCallRecorder;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.StoreDatabases;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The performance benchmark (README, "Performance"); not a test. ElasticMQ + S3Proxy run in a JVM
 * of their own ({@link ServersMain}, the same for every system). For each workload and interleaved
 * repeats, each system is a process of its own, measured the same way: from launch and from its
 * first delete until it exits (meter-ingest: SIGTERM once the queue is empty, so its shutdown and
 * final flush count), its CPU seconds and peak RSS from /proc.
 * <ul>
 *   <li>ceiling: a bare SDK loop ({@link SdkLoop}: receive 10, PUT each raw body in parallel,
 *       DeleteMessageBatch), at the best of 1/2/4/8 loops in that repeat (the sweep is printed);</li>
 *   <li>peer: the same loop plus parse, validate and in-memory sums, at the ceiling's best loop count;</li>
 *   <li>meter-ingest: the packaged jar with the shipped application.properties and README's JVM options.</li>
 * </ul>
 * Then the store alone and the codec JMH benchmark. Prints one table.
 *
 * <p>{@code ./mvnw -q -Pbenchmark verify} ({@code -Dbench.repeats=3 -Dbench.workloads=A,B,C}).
 */
public final class Benchmark {

    private static final Pattern DONE = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .* message (\\S+) done: ");
    private static final Path JAR = Path.of("target", "meter-ingest.jar");
    /** the JVM options of README's run command ({@code -Dbench.app-jvm-options} to try others) */
    public static final String APP_JVM_OPTIONS = System.getProperty("bench.app-jvm-options",
            "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=" + Path.of("target", "meter-ingest.jsa").toAbsolutePath());
    /** the SDK loops' JVM: the same heap and GC, and the full JIT, as in the runs before meter-ingest shipped C1 only
     * ({@code -Dbench.sdk-jvm-options} to try others, e.g. to profile them) */
    static final String SDK_JVM_OPTIONS = System.getProperty("bench.sdk-jvm-options", "-Xmx256m -XX:+UseSerialGC");
    /** the servers' JVM, the same in every run ({@code -Dbench.server-jvm-options} to profile them) */
    static final String SERVER_JVM_OPTIONS = System.getProperty("bench.server-jvm-options", "-Xmx2g");
    /** the ceiling's loop counts ({@code -Dbench.sweep=1} for one, e.g. to profile it) */
    private static final int[] SWEEP = java.util.Arrays.stream(System.getProperty("bench.sweep", "1,2,4,8").split(","))
            .mapToInt(n -> Integer.parseInt(n.trim())).toArray();
    private static final boolean APP_ONLY = Boolean.getBoolean("bench.app-only");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** {@code -Dbench.postgres=<jdbc url with user and password>}: A also on PostgreSQL, one instance and two sharing it */
    private static final String POSTGRES = System.getProperty("bench.postgres", "");
    private static final String[] PG_SYSTEM = {"meter-ingest on PostgreSQL, 1 instance",
            "meter-ingest on PostgreSQL, 2 instances sharing it (totals checked exact)"};

    /** One measured drain of a preloaded queue by one system. */
    record Run(String system, int loops, double fromLaunchSeconds, double fromFirstDeleteSeconds, int messages, int records,
               double cpuSeconds, long peakRssKib, long sqsCalls, long s3Puts, List<Long> latenciesMillis) {
        double messagesPerSecond() {
            return messages / fromFirstDeleteSeconds;
        }

        double messagesPerSecondFromLaunch() {
            return messages / fromLaunchSeconds;
        }

        double cpuPer100kRecords() {
            return cpuSeconds * 100_000 / records;
        }

        long percentile(double p) {
            List<Long> sorted = new ArrayList<>(latenciesMillis);
            Collections.sort(sorted);
            return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        }
    }

    /** Samples a child process's CPU time and peak RSS from /proc until it exits. */
    static final class ProcStats {
        private static final long TICKS = 100; // USER_HZ on Linux
        private volatile long cpuTicks;
        private volatile long peakRssKib = -1;
        private final Thread sampler;

        ProcStats(Process process) {
            sampler = new Thread(() -> {
                Path stat = Path.of("/proc", String.valueOf(process.pid()), "stat");
                Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
                while (process.isAlive()) {
                    try {
                        String statLine = Files.readString(stat);
                        String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
                        cpuTicks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                        for (String line : Files.readAllLines(status)) {
                            if (line.startsWith("VmHWM:")) {
                                peakRssKib = Long.parseLong(line.replaceAll("\\D", ""));
                            }
                        }
                        Thread.sleep(20);
                    } catch (Exception gone) {
                        return;
                    }
                }
            }, "proc-stats");
            sampler.setDaemon(true);
            sampler.start();
        }

        double cpuSeconds() throws InterruptedException {
            sampler.join(1000);
            return (double) cpuTicks / TICKS;
        }

        long peakRssKib() {
            return peakRssKib;
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
        Map<String, List<Run>> peers = new LinkedHashMap<>();
        Map<String, List<Run>> apps = new LinkedHashMap<>();
        Map<String, List<String>> sweeps = new LinkedHashMap<>();
        // workload -> system -> runs: A on PostgreSQL with 1 and 2 instances, when -Dbench.postgres is given
        Map<String, Map<String, List<Run>>> variants = new LinkedHashMap<>();
        Map<String, Workload> workloads = new LinkedHashMap<>();
        int sqsPort = FreePort.find();
        int s3Port = FreePort.find();
        Process servers = startServers(sqsPort, s3Port, work.resolve("s3"));
        try {
            EmbeddedAws aws = EmbeddedAws.attach(sqsPort, s3Port, work.resolve("s3"));
            try (SqsClient sqs = aws.sqsClient(); S3Client s3 = aws.s3Client()) {
                aws.createBucket("bench-ceiling");
                aws.createBucket(AwsKit.BUCKET);
                long seed = 42;
                for (String name : selected) {
                    Workload workload = switch (name.trim()) {
                        case "A" -> Workload.a(seed);
                        case "B" -> Workload.b(seed);
                        case "C" -> Workload.c(seed, largestBody(sqs));
                        default -> throw new IllegalArgumentException("workload " + name + ": expected A, B or C");
                    };
                    workloads.put(workload.name(), workload);
                    for (int r = 1; r <= repeats; r++) {
                        // interleaved, and the order alternates, so drift on a noisy machine hits every side
                        String id = workload.name().toLowerCase() + r;
                        if (APP_ONLY) {
                            // profiling aid (-Dbench.app-only=true): meter-ingest alone, no ceiling, no table
                            Run only = app(aws, sqs, workload, id, work, consumers);
                            System.err.printf("workload %s repeat %d: meter-ingest %.0f msg/s, launch to first delete %.2f s, %.1f CPU s per 100k records, peak RSS %d MiB%n",
                                    workload.name(), r, only.messagesPerSecond(), only.fromLaunchSeconds() - only.fromFirstDeleteSeconds(), only.cpuSeconds() * 100_000 / only.records(),
                                    only.peakRssKib() / 1024);
                            continue;
                        }
                        Run app = null;
                        if (r % 2 == 0) {
                            app = app(aws, sqs, workload, id, work, consumers);
                        }
                        Run best = null;
                        StringBuilder sweep = new StringBuilder();
                        for (int loops : SWEEP) {
                            Run ceiling = sdkLoop("ceiling", aws, sqs, workload, id + "-" + loops, loops, work);
                            sweep.append(String.format("%s%d loop(s) %.0f msg/s", sweep.length() == 0 ? "" : ", ", loops,
                                    ceiling.messagesPerSecond()));
                            if (best == null || ceiling.messagesPerSecond() > best.messagesPerSecond()) {
                                best = ceiling;
                            }
                        }
                        Run peer = sdkLoop("peer", aws, sqs, workload, id, best.loops(), work);
                        if (app == null) {
                            app = app(aws, sqs, workload, id, work, consumers);
                        }
                        if (!POSTGRES.isBlank() && workload.name().equals("A")) {
                            for (int instances : new int[] {1, 2}) {
                                variants.computeIfAbsent(workload.name(), k -> new LinkedHashMap<>())
                                        .computeIfAbsent(PG_SYSTEM[instances - 1], k -> new ArrayList<>())
                                        .add(app(aws, sqs, workload, id, work, consumers, POSTGRES, instances));
                            }
                        }
                        ceilings.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(best);
                        peers.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(peer);
                        apps.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(app);
                        sweeps.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(sweep.toString());
                        System.err.printf("workload %s repeat %d: ceiling %.0f msg/s (%s), peer %.0f, meter-ingest %.0f msg/s%n",
                                workload.name(), r, best.messagesPerSecond(), sweep, peer.messagesPerSecond(), app.messagesPerSecond());
                    }
                }
            }
        } finally {
            servers.getOutputStream().close();
            if (!servers.waitFor(30, TimeUnit.SECONDS)) {
                servers.destroyForcibly();
            }
        }
        if (APP_ONLY) {
            return;
        }
        // the usage store alone, on A's records, one write per poll of 10 messages: the shipped store and H2 as SQL
        Map<String, Double> stores = new LinkedHashMap<>();
        if (workloads.containsKey("A")) {
            List<String> urls = new ArrayList<>(List.of(shipped("ingest.store.url"),
                    "jdbc:h2:file:./data/usage-store;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000"));
            if (!POSTGRES.isBlank()) {
                urls.add(StoreDatabases.freshSchema(POSTGRES, null, null, "bench_store_alone"));
            }
            for (String url : urls) {
                stores.put(url.replaceAll("password=[^&]*", "password=***"),
                        StoreBenchmark.recordsPerSecond(url, work.resolve("store-" + stores.size()), 1000));
            }
        }
        CodecBenchmark.Result codec = Boolean.parseBoolean(System.getProperty("bench.codec", "true")) ? CodecBenchmark.run(Integer.getInteger("bench.codec-pairs", 3)) : null;
        String table = table(workloads, ceilings, peers, apps, variants, sweeps, codec, consumers, repeats);
        for (Map.Entry<String, Double> store : stores.entrySet()) {
            table += String.format("usage store alone (%s, workload A's records, one write per poll of 10 messages, no"
                    + " SQS/S3/Camel): %.0f records/s = %.0f msgs/s of A%n", store.getKey(), store.getValue(), store.getValue() / 100);
        }
        System.out.println(table);
    }

    private static Process startServers(int sqsPort, int s3Port, Path s3Dir) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(SERVER_JVM_OPTIONS.split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServersMain.class.getName(),
                String.valueOf(sqsPort), String.valueOf(s3Port), s3Dir.toAbsolutePath().toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.contains("servers ready")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // discard
                        }
                    } catch (IOException ignored) {
                        // ended
                    }
                }, "servers-output");
                drain.setDaemon(true);
                drain.start();
                return process;
            }
        }
        throw new IllegalStateException("the benchmark's servers did not start");
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
    private static int largestBody(SqsClient sqs) {
        String url = newQueue(sqs, "bench-probe");
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

    private static String newQueue(SqsClient sqs, String name) {
        return AwsKit.createQueues(sqs, name + ".fifo", name + "-dlq.fifo", 5);
    }

    /** The SDK loop as a process of its own ({@link SdkLoop}): ceiling or peer, with {@code loops} threads. */
    static Run sdkLoop(String mode, EmbeddedAws aws, SqsClient sqs, Workload workload, String id, int loops, Path work) throws Exception {
        String url = newQueue(sqs, "bench-" + mode + "-" + id);
        preload(sqs, url, workload);
        int total = workload.messages().size();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(SDK_JVM_OPTIONS.split(" ")).stream().filter(x -> !x.isBlank()).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SdkLoop.class.getName(), mode, String.valueOf(loops),
                String.valueOf(aws.sqsEndpoint().getPort()), String.valueOf(aws.s3Endpoint().getPort()), url, "bench-ceiling",
                String.valueOf(total)));
        Path log = work.resolve("bench-" + mode + "-" + id + ".log");
        long launched = System.currentTimeMillis();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ProcStats stats = new ProcStats(process);
        if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(mode + " loop failed:\n" + tail(log));
        }
        long exited = System.currentTimeMillis();
        long firstDelete = Files.readAllLines(log).stream().filter(l -> l.startsWith("first-delete "))
                .mapToLong(l -> Long.parseLong(l.substring("first-delete ".length()).trim())).findFirst()
                .orElseThrow(() -> new IllegalStateException(mode + " loop never deleted; see " + log));
        return new Run(mode, loops, (exited - launched) / 1000.0, (exited - firstDelete) / 1000.0, total, workload.records(),
                stats.cpuSeconds(), stats.peakRssKib(), -1, -1, List.of());
    }

    /**
     * The packaged jar, shipped settings, against the same servers: from launch and from its first
     * delete until it has exited after a SIGTERM sent once the queue is empty (shutdown and final flush included).
     */
    static Run app(EmbeddedAws aws, SqsClient sqs, Workload workload, String id, Path work, int consumers) throws Exception {
        return app(aws, sqs, workload, id, work, consumers, null, 1);
    }

    /**
     * As {@link #app(EmbeddedAws, SqsClient, Workload, String, Path, int)}, with {@code instances} jars on
     * the one queue sharing {@code postgresUrl} (a fresh schema) when it is given: timed from the first
     * delete of any until the last has exited, CPU summed, the largest peak RSS. With PostgreSQL the
     * rollups go to a bucket of their own and their totals are checked against what was sent.
     */
    static Run app(EmbeddedAws aws, SqsClient sqs, Workload workload, String id, Path work, int consumers, String postgresUrl,
                   int instances) throws Exception {
        String name = "bench-app-" + id + (postgresUrl == null ? "" : "-pg" + instances);
        String url = newQueue(sqs, name);
        Map<String, Long> sent = preload(sqs, url, workload);
        String bucket = postgresUrl == null ? AwsKit.BUCKET : name;
        if (postgresUrl != null) {
            aws.createBucket(bucket);
        }
        Map<String, String> props = new HashMap<>(aws.camelProperties());
        props.put("ingest.embedded", "false");
        props.put("ingest.queue", name + ".fifo");
        props.put("ingest.dead-letter-queue", name + "-dlq.fifo");
        props.put("ingest.bucket", bucket);
        // the shipped store settings, with a fresh file per run (or a fresh PostgreSQL schema)
        props.put("ingest.store.url", postgresUrl != null ? StoreDatabases.freshSchema(postgresUrl, null, null, name) : shipped("ingest.store.url")
                .replace("./data/usage-store", work.resolve(name + "-store").toAbsolutePath().toString()));
        props.put("camel.component.aws2-sqs.concurrent-consumers", String.valueOf(consumers));
        List<Process> processes = new ArrayList<>();
        List<ProcStats> stats = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        List<Path> calls = new ArrayList<>();
        long launched = System.currentTimeMillis();
        try {
            for (int i = 0; i < instances; i++) {
                Path log = work.resolve(name + "-" + i + ".log");
                Path recorded = work.resolve(name + "-" + i + "-aws-calls.txt");
                props.put("camel.management.port", String.valueOf(FreePort.find()));
                props.put(AwsCallRecorder.SETTING, recorded.toString());
                List<String> command = new ArrayList<>();
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(List.of(APP_JVM_OPTIONS.split(" ")).stream().filter(x -> !x.isBlank()).toList());
                props.forEach((k, v) -> command.add("-D" + k + "=" + v));
                command.add("-jar");
                command.add(JAR.toAbsolutePath().toString());
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                processes.add(process);
                stats.add(new ProcStats(process));
                logs.add(log);
                calls.add(recorded);
            }
            try {
                await().atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofMillis(20))
                        .failFast("meter-ingest exited", () -> processes.stream().anyMatch(p -> !p.isAlive()))
                        .until(() -> AwsKit.messagesOn(sqs, url) == 0);
            } catch (ConditionTimeoutException | TerminalFailureException e) {
                throw new IllegalStateException("meter-ingest did not drain the queue (" + e.getMessage() + "):\n" + tail(logs.get(0)), e);
            }
            processes.forEach(Process::destroy); // SIGTERM: graceful stop, final flush
            for (int i = 0; i < instances; i++) {
                if (!processes.get(i).waitFor(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("meter-ingest did not exit after SIGTERM:\n" + tail(logs.get(i)));
                }
            }
            long exited = System.currentTimeMillis();
            List<Long> doneAt = new ArrayList<>();
            List<Long> latencies = new ArrayList<>();
            long sqsCalls = 0;
            long puts = 0;
            double cpu = 0;
            long rss = 0;
            for (int i = 0; i < instances; i++) {
                latencies.addAll(latencies(logs.get(i), sent, doneAt));
                List<String> recorded = Files.exists(calls.get(i)) ? Files.readAllLines(calls.get(i)) : List.of();
                sqsCalls += recorded.stream().filter(c -> c.startsWith("Sqs:")).count();
                puts += recorded.stream().filter(c -> c.equals("S3:PutObject")).count();
                cpu += stats.get(i).cpuSeconds();
                rss = Math.max(rss, stats.get(i).peakRssKib());
            }
            long firstDelete = doneAt.stream().mapToLong(Long::longValue).min()
                    .orElseThrow(() -> new IllegalStateException("meter-ingest logged no done message; see " + logs.get(0)));
            if (postgresUrl != null) {
                checkTotals(aws, bucket, workload);
            }
            return new Run("meter-ingest", consumers, (exited - launched) / 1000.0, (exited - firstDelete) / 1000.0,
                    workload.messages().size(), workload.records(), cpu, rss, sqsCalls, puts, latencies);
        } finally {
            processes.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
        }
    }

    /** The rollups' counts and sums, over every row written, against what the workload sent: exact or an exception. */
    private static void checkTotals(EmbeddedAws aws, String bucket, Workload workload) throws Exception {
        long count = 0;
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        try (S3Client s3 = aws.s3Client()) {
            for (String line : AwsKit.usageRows(s3, bucket)) {
                com.fasterxml.jackson.databind.JsonNode row = JSON.readTree(line);
                count += row.get("count").asLong();
                sum = sum.add(row.get("sum").decimalValue());
            }
        }
        if (count != workload.records() || sum.compareTo(workload.sum()) != 0) {
            throw new IllegalStateException("totals NOT exact in " + bucket + ": count " + count + " sum " + sum + ", sent "
                    + workload.records() + " records summing to " + workload.sum());
        }
    }

    /** Sent -> done per message (the app logs "message <id> done" right after its poll's delete); {@code doneAt} gets each time. */
    private static List<Long> latencies(Path log, Map<String, Long> sent, List<Long> doneAt) throws IOException {
        List<Long> latencies = new ArrayList<>();
        LocalDate today = LocalDate.now(ZoneId.systemDefault());
        long now = System.currentTimeMillis();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = DONE.matcher(line);
            if (m.find() && sent.containsKey(m.group(2))) {
                long at = LocalTime.parse(m.group(1)).atDate(today).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
                if (at > now + 3_600_000) {
                    at -= 86_400_000; // the run crossed midnight
                }
                doneAt.add(at);
                latencies.add(at - sent.get(m.group(2)));
            }
        }
        return latencies;
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

    /** The run whose throughput is the median: its other figures are reported. */
    private static Run medianRun(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((x, y) -> Double.compare(x.messagesPerSecond(), y.messagesPerSecond()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** Per repeat, the ratio of the interleaved pair; its median is the figure. */
    private static double medianRatio(List<Run> runs, List<Run> ceilings) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(runs.size(), ceilings.size()); i++) {
            ratios.add(runs.get(i).messagesPerSecond() / ceilings.get(i).messagesPerSecond());
        }
        return median(ratios);
    }

    static String table(Map<String, Workload> workloads, Map<String, List<Run>> ceilings, Map<String, List<Run>> peers,
                        Map<String, List<Run>> apps, Map<String, Map<String, List<Run>>> variants,
                        Map<String, List<String>> sweeps, CodecBenchmark.Result codec,
                        int consumers, int repeats) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nmeter-ingest benchmark: %d cores, Java %s, %d consumer(s); meter-ingest and the SDK loops in JVMs"
                        + " '%s', the servers in one JVM '%s'; medians of %d interleaved repeats; msgs/s from the first delete"
                        + " until exit (meter-ingest: SIGTERM when the queue is empty, final flush included)%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), consumers, APP_JVM_OPTIONS + " (SDK loops: " + SDK_JVM_OPTIONS + ")",
                SERVER_JVM_OPTIONS, repeats));
        out.append("| workload | system | msgs/s | records/s | ratio to ceiling | target | msgs/s from launch | launch to first delete s"
                + " | CPU s per 100k records | peak RSS MiB | p50 / p99 ms | SQS calls/msg | S3 PUTs/msg |\n");
        out.append("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Workload w : workloads.values()) {
            List<Run> c = ceilings.get(w.name());
            String first = w.name() + ": " + w.description();
            out.append(row(first, "ceiling (SDK loop, best of " + java.util.Arrays.stream(SWEEP).mapToObj(String::valueOf)
                    .collect(java.util.stream.Collectors.joining("/")) + " loops)", w, c, c, ""));
            out.append(row("", "hand-written peer (+ parse, validate, in-memory sums)", w, peers.get(w.name()), c, ""));
            double ratio = medianRatio(apps.get(w.name()), c);
            String target = w.name().equals("C") ? "-" : ratio >= 0.8 ? ">= 0.8: met" : ">= 0.8: NOT met";
            out.append(row("", "meter-ingest", w, apps.get(w.name()), c, target));
            variants.getOrDefault(w.name(), Map.of()).forEach((system, runs) -> {
                double r = medianRatio(runs, c);
                out.append(row("", system, w, runs, c, system.equals(PG_SYSTEM[0]) ? (r >= 0.5 ? ">= 0.5: met" : ">= 0.5: NOT met") : ""));
            });
        }
        out.append("\nceiling sweeps (msgs/s from first delete, per repeat):\n");
        sweeps.forEach((w, list) -> list.forEach(s -> out.append("- ").append(w).append(": ").append(s).append('\n')));
        if (codec != null) {
            out.append(String.format("%ncodec + validator: %.0f records/s; bare Jackson streaming parse of the same bytes: %.0f records/s;"
                            + " ratio %.2f, median of %d interleaved pairs (target >= 0.5: %s)%n", codec.codecRecordsPerSecond(),
                    codec.jacksonRecordsPerSecond(), codec.ratio(), codec.pairs(), codec.ratio() >= 0.5 ? "met" : "NOT met"));
        }
        return out.toString();
    }

    private static String row(String workload, String system, Workload w, List<Run> runs, List<Run> ceilings, String target) {
        double rate = median(runs.stream().map(Run::messagesPerSecond).toList());
        Run m = medianRun(runs);
        return String.format("| %s | %s | %.0f | %.0f | %.2f | %s | %.0f | %.1f | %.1f | %s | %s | %s | %s |%n", workload, system, rate,
                rate * w.recordsPerMessage(), medianRatio(runs, ceilings), target,
                median(runs.stream().map(Run::messagesPerSecondFromLaunch).toList()),
                median(runs.stream().map(r -> r.fromLaunchSeconds() - r.fromFirstDeleteSeconds()).toList()),
                median(runs.stream().map(Run::cpuPer100kRecords).toList()),
                m.peakRssKib() < 0 ? "-" : String.valueOf(m.peakRssKib() / 1024),
                m.latenciesMillis().isEmpty() ? "-" : m.percentile(0.5) + " / " + m.percentile(0.99),
                m.sqsCalls() < 0 ? "-" : String.format("%.2f", (double) m.sqsCalls() / m.messages()),
                m.s3Puts() < 0 ? "-" : String.format("%.2f", (double) m.s3Puts() / m.messages()));
    }
}
