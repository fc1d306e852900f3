package io.meteringest.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordOutcome;
import io.meteringest.record.RecordValidator;
import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.UsageBatch;
import io.meteringest.usage.RocksUsageStore;
import io.meteringest.usage.PostgresUsageStore;
import io.meteringest.usage.SqlUsageStore;
import io.meteringest.usage.UsageStore;
import io.meteringest.usage.Windows;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The usage store alone, with the shipped store settings: workload A's accepted records accounted
 * poll by poll (one transaction per 10 messages, as the app does), no SQS, no S3, no Camel. Its
 * records/s bounds what the pipeline can do on A whatever SQS and S3 allow.
 */
final class StoreBenchmark {

    private StoreBenchmark() {
    }

    /** Accepted records per second the store takes, over {@code messages} messages of workload A. */
    static double recordsPerSecond(String url, Path folder, int messages) throws Exception {
        RecordSplitter codec = new RecordSplitter();
        RecordValidator validator = new RecordValidator(Clock.systemUTC(), Duration.ofHours(1));
        List<UsageBatch> batches = new ArrayList<>();
        int records = 0;
        int id = 0;
        for (Workload.Message message : Workload.a(11).messages().subList(0, messages)) {
            UsageBatch batch = new UsageBatch("store-bench-" + id++);
            codec.split(message.body()).forEachRemaining(item -> {
                RecordOutcome outcome = validator.validate(item);
                if (outcome.isAccepted()) {
                    batch.add(outcome.record());
                }
            });
            records += batch.size();
            batches.add(batch);
        }
        java.nio.file.Files.createDirectories(folder);
        Windows windows = Windows.of("window", Duration.ofMinutes(1), "grace", Duration.ofSeconds(30));
        RecordKeys keys = new RecordKeys(RecordKeys.DedupMode.CONTENT);
        if (url.startsWith("rocksdb:")) {
            try (RocksUsageStore store = new RocksUsageStore(folder.resolve("store-alone-rocks"), keys, windows,
                    Duration.ofDays(14), Clock.systemUTC())) {
                store.createSchema();
                return timed(store, batches, records);
            }
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.replace("./data/usage-store", folder.resolve("store-alone").toAbsolutePath().toString()));
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            UsageStore store = url.startsWith("jdbc:postgresql:")
                    ? new PostgresUsageStore(dataSource, keys, windows, Duration.ofDays(14), Clock.systemUTC())
                    : new SqlUsageStore(dataSource, keys, windows, Duration.ofDays(14), Clock.systemUTC());
            store.createSchema();
            return timed(store, batches, records);
        }
    }

    /** As the app does: one transaction per poll of 10 messages. */
    private static double timed(UsageStore store, List<UsageBatch> batches, int records) {
        long start = System.nanoTime();
        for (int i = 0; i < batches.size(); i += 10) {
            store.account(batches.subList(i, Math.min(batches.size(), i + 10)));
        }
        return records / ((System.nanoTime() - start) / 1e9);
    }

    /** {@code StoreBenchmark <url>...}: each store on 1,000 of A's messages, in turn. */
    public static void main(String[] args) throws Exception {
        for (int round = 0; round < 3; round++) {
            for (String url : args) {
                Path folder = java.nio.file.Files.createTempDirectory("store-bench-");
                System.out.printf("%s: %.0f records/s%n", url, recordsPerSecond(url, folder, 1000));
            }
        }
    }
}
