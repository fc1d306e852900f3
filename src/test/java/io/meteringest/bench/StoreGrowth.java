package io.meteringest.bench;

import io.meteringest.record.MeterRecord;
import io.meteringest.usage.Flush;
import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.RocksUsageStore;
import io.meteringest.usage.UsageBatch;
import io.meteringest.usage.UsageStore;
import io.meteringest.usage.Windows;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The growth run (a documented longer run, not CI): the shipped store filled poll by poll with A-shaped
 * records, every one new, to {@code growth.keys} remembered keys (20 M), windows closing and flushes
 * marked written as the app does. At 0, 1 M, 5 M and 20 M keys it reports accounting records/s (over
 * the {@code growth.slice} records up to the point, or the first ones for 0; store calls only), the
 * process's RSS and the folder's size,
 * so the cost of remembering more keys shows. Run it in a JVM with the app's options, e.g.
 * {@code java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp <test classpath> io.meteringest.bench.StoreGrowth}.
 */
final class StoreGrowth {

    private static final int RECORDS_PER_MESSAGE = 100;
    private static final int MESSAGES_PER_POLL = 10;

    private StoreGrowth() {
    }

    public static void main(String[] args) throws Exception {
        long target = Long.getLong("growth.keys", 20_000_000L);
        // whole polls of 1,000 records, so a slice's bounds fall between polls
        long slice = Long.getLong("growth.slice", 200_000L);
        List<Long> points = Stream.concat(Stream.of(0L, 1_000_000L, 5_000_000L, 20_000_000L)
                .filter(p -> p < target), Stream.of(target)).toList();
        Path folder = Files.createTempDirectory("store-growth-");
        Windows windows = Windows.of("window", Duration.ofMinutes(1), "grace", Duration.ofSeconds(30));
        Random random = new Random(7);
        System.out.printf("growth run: %,d keys, records/s over %,d records from each point, store at %s%n", target, slice, folder);
        System.out.println("| keys remembered | accounting records/s | RSS MiB | peak RSS MiB | store on disk MiB | bytes per key |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
        try (RocksUsageStore store = new RocksUsageStore(folder, new RecordKeys(RecordKeys.DedupMode.CONTENT), windows,
                Duration.ofDays(14), Clock.systemUTC())) {
            store.createSchema();
            long keys = 0;
            long messages = 0;
            long lastClose = System.nanoTime();
            int next = 0;
            long sliceNanos = 0;
            while (next < points.size()) {
                long point = points.get(next);
                long sliceEnd = point == 0 ? slice : point;
                if (keys == sliceEnd - slice) {
                    sliceNanos = 0;
                }
                List<UsageBatch> poll = new ArrayList<>(MESSAGES_PER_POLL);
                long now = System.currentTimeMillis();
                for (int m = 0; m < MESSAGES_PER_POLL; m++) {
                    UsageBatch batch = new UsageBatch("growth-" + messages++);
                    for (int r = 0; r < RECORDS_PER_MESSAGE; r++) {
                        batch.add(record(random, now, keys++));
                    }
                    poll.add(batch);
                }
                long start = System.nanoTime();
                store.account(poll);
                sliceNanos += System.nanoTime() - start;
                if (start - lastClose > 1_000_000_000L) {
                    // as usage-flush does each second: close what is due, then the flush is written and marked
                    lastClose = start;
                    if (store.closeWindows(UsageStore.WindowsToClose.DUE, Integer.MAX_VALUE) != null) {
                        for (Flush flush : store.pendingFlushes()) {
                            store.markWritten(flush.id());
                        }
                    }
                }
                if (keys == sliceEnd) {
                    report(point, slice / (sliceNanos / 1e9), folder);
                    next++;
                }
            }
        } finally {
            delete(folder);
        }
    }

    /** An A-shaped record (1,000 customers, 2 meters, 12 dimension sets), made unique by its value. */
    private static MeterRecord record(Random random, long now, long n) {
        TreeMap<String, String> dims = new TreeMap<>();
        dims.put("az", "az" + random.nextInt(4));
        dims.put("region", "us-west-" + random.nextInt(3));
        return new MeterRecord("customer-" + random.nextInt(1_000), random.nextBoolean() ? "ComputeHours" : "StorageGiB",
                BigDecimal.valueOf(n, 2), now - random.nextInt(20_000), dims, null);
    }

    private static void report(long keys, double recordsPerSecond, Path folder) throws IOException {
        long disk = size(folder);
        System.out.printf("| %,d | %,.0f | %d | %d | %.0f | %s |%n", keys, recordsPerSecond,
                status("VmRSS:") / 1024, status("VmHWM:") / 1024, disk / 1048576.0,
                keys == 0 ? "-" : String.format("%.1f", (double) disk / keys));
    }

    /** A /proc/self/status field in KiB. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static long size(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
