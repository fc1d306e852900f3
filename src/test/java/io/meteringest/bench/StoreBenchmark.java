package io.meteringest.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.meteringest.record.MeterRecordCodec;
import io.meteringest.record.RecordOutcome;
import io.meteringest.record.RecordValidator;
import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.UsageBatch;
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
    static double recordsPerSecond(String shippedUrl, Path folder, int messages) throws Exception {
        MeterRecordCodec codec = new MeterRecordCodec();
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
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(shippedUrl.replace("./data/usage-store", folder.resolve("store-alone").toAbsolutePath().toString()));
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            UsageStore store = new UsageStore(dataSource, new RecordKeys(RecordKeys.DedupMode.CONTENT),
                    Windows.of("window", Duration.ofMinutes(1), "grace", Duration.ofSeconds(30)), Duration.ofDays(14),
                    Clock.systemUTC());
            store.createSchema();
            long start = System.nanoTime();
            // as the app does: one transaction per poll of 10 messages
            for (int i = 0; i < batches.size(); i += 10) {
                store.account(batches.subList(i, Math.min(batches.size(), i + 10)));
            }
            return records / ((System.nanoTime() - start) / 1e9);
        }
    }
}
