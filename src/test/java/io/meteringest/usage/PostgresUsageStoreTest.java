package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.meteringest.StartupException;
import io.meteringest.record.MeterRecord;
import io.meteringest.testkit.MutableClock;
import io.meteringest.testkit.StoreDatabases;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only the PostgreSQL store does: several instances on one database, keys in day partitions. The
 * exactness rules it shares with the other stores are in {@link UsageStoreTest}.
 */
class PostgresUsageStoreTest {

    private static final long T0 = 1619445706909L;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private String url;

    @BeforeEach
    void schema() throws Exception {
        String unavailable = StoreDatabases.postgresUnavailable();
        assumeTrue(unavailable == null, unavailable);
        url = StoreDatabases.freshPostgresSchema();
    }

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
    }

    private PostgresUsageStore instance(MutableClock clock) throws Exception {
        HikariDataSource pool = StoreDatabases.pool(url, StoreDatabases.POSTGRES_USER, StoreDatabases.POSTGRES_PASSWORD);
        pools.add(pool);
        PostgresUsageStore store = new PostgresUsageStore(pool, new RecordKeys(RecordKeys.DedupMode.CONTENT),
                new Windows(60_000, 30_000), Duration.ofDays(14), clock);
        store.createSchema();
        return store;
    }

    /**
     * Two instances account the same new record at the same moment, round after round: on one day the
     * day's primary key decides; across midnight (or clocks apart) only the day gate does, since each
     * would insert the key into its own day's partition. Either way the record counts once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"same day", "across midnight"})
    void two_instances_racing_with_the_same_record_count_it_once(String when) throws Exception {
        Instant midnight = Instant.parse("2026-12-04T00:00:00Z");
        PostgresUsageStore first = instance(new MutableClock(midnight.minusMillis(1)));
        PostgresUsageStore second = instance(new MutableClock(when.equals("same day") ? midnight.minusMillis(2) : midnight));
        int rounds = 20; // without the gate, 60 rounds across midnight counted 112
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        int[] accounted = new int[2];
        try {
            List<Future<?>> done = new ArrayList<>();
            PostgresUsageStore[] stores = {first, second};
            for (int s = 0; s < 2; s++) {
                int instance = s;
                done.add(threads.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        UsageBatch batch = new UsageBatch("instance-" + instance + "-round-" + round);
                        batch.add(record("c", "1", T0 + round));
                        together.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        accounted[instance] += stores[instance].account(List.of(batch)).accounted();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
        assertEquals(rounds, accounted[0] + accounted[1], "each round's record accounted by exactly one instance");
        first.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        long count = first.pendingFlushes().stream().flatMap(f -> f.rows().stream()).mapToLong(UsageRow::count).sum();
        assertEquals(rounds, count);
    }

    @Test
    void keys_go_into_the_partition_of_their_arrival_day_and_pruning_drops_whole_days() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T23:00:00Z"));
        PostgresUsageStore store = instance(clock);
        StoreCalls.account(store, "m-1", record("c", "1", T0));
        clock.advance(Duration.ofHours(2));
        StoreCalls.account(store, "m-2", record("c", "2", T0));
        assertEquals(Map.of("seen_key_20261201", 1L, "seen_key_20261202", 1L, "seen_key_20261203", 0L),
                partitionRows("seen_key"));
        clock.set(Instant.parse("2026-12-16T00:30:00Z")); // day 1's last millisecond is 14 days old, day 2's is not
        assertEquals(2, store.prune(), "day 1's key and message id");
        assertFalse(partitionRows("seen_key").containsKey("seen_key_20261201"));
        assertEquals(1, StoreCalls.account(store, "m-3", record("c", "2", T0)).duplicates(), "day 2 is remembered");
        assertEquals(0, StoreCalls.account(store, "m-4", record("c", "1", T0)).duplicates(), "day 1 is forgotten");
    }

    @Test
    void a_schema_of_the_earlier_layout_is_refused_with_the_setting_named() throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection(url, StoreDatabases.POSTGRES_USER,
                StoreDatabases.POSTGRES_PASSWORD); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE seen_record (record_key VARCHAR(64) PRIMARY KEY, seen_at BIGINT NOT NULL)");
        }
        StartupException refused = assertThrows(StartupException.class, () -> instance(new MutableClock(Instant.now())));
        assertTrue(refused.getMessage().startsWith("ingest.store.url: "), refused.getMessage());
        assertTrue(refused.getMessage().contains("seen_record"), refused.getMessage());
    }

    /** Rows per partition of {@code table}, by partition name. */
    private Map<String, Long> partitionRows(String table) throws Exception {
        Map<String, Long> rows = new TreeMap<>();
        try (Connection connection = java.sql.DriverManager.getConnection(url, StoreDatabases.POSTGRES_USER,
                StoreDatabases.POSTGRES_PASSWORD); Statement statement = connection.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c"
                    + " ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('" + table + "')")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String name : names) {
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + name)) {
                    rs.next();
                    rows.put(name, rs.getLong(1));
                }
            }
        }
        return rows;
    }

    private static MeterRecord record(String customer, String value, long time) {
        return new MeterRecord(customer, "M", new BigDecimal(value), time, new TreeMap<>(Map.of("region", "r1")), null);
    }

}
