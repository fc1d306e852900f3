package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.meteringest.StartupException;
import io.meteringest.record.MeterRecord;
import io.meteringest.testkit.MutableClock;
import io.meteringest.testkit.StoreDatabases;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The usage store's exactness rules, on RocksDB, H2 and PostgreSQL (skipped with the reason when
 * unreachable); what is checked through SQL, on the SQL stores only.
 */
class UsageStoreTest {

    private static final long T0 = 1619445706909L; // in the minute window starting 1619445660000

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-21T20:00:00Z"));
    private final List<HikariDataSource> pools = new ArrayList<>();
    private String url;

    private final List<RocksUsageStore> rocks = new ArrayList<>();

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
        rocks.forEach(RocksUsageStore::close);
        rocks.clear();
    }

    private UsageStore store(String database, RecordKeys.DedupMode mode) throws Exception {
        if (database.equals("rocksdb")) {
            RocksUsageStore store = new RocksUsageStore(dir.resolve("rocks"), new RecordKeys(mode),
                    new Windows(60_000, 30_000), Duration.ofDays(14), clock);
            store.createSchema();
            rocks.add(store);
            return store;
        }
        if (url == null) {
            if (database.equals("postgresql")) {
                String unavailable = StoreDatabases.postgresUnavailable();
                assumeTrue(unavailable == null, unavailable);
                url = StoreDatabases.freshPostgresSchema();
            } else {
                url = "jdbc:h2:file:" + dir.resolve("store").toAbsolutePath() + ";WRITE_DELAY=0";
            }
        }
        HikariDataSource pool = database.equals("postgresql")
                ? StoreDatabases.pool(url, StoreDatabases.POSTGRES_USER, StoreDatabases.POSTGRES_PASSWORD)
                : StoreDatabases.pool(url, null, null);
        pools.add(pool);
        UsageStore store = database.equals("postgresql")
                ? new PostgresUsageStore(pool, new RecordKeys(mode), new Windows(60_000, 30_000), Duration.ofDays(14), clock)
                : new SqlUsageStore(pool, new RecordKeys(mode), new Windows(60_000, 30_000), Duration.ofDays(14), clock);
        store.createSchema();
        return store;
    }

    private static MeterRecord record(String customer, String value, long time, String uniqueId) {
        return new MeterRecord(customer, "M", new BigDecimal(value), time, new TreeMap<>(Map.of("region", "r1")), uniqueId);
    }

    private static String msg() {
        return UUID.randomUUID().toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void sums_decimals_exactly_with_count_min_and_max(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        for (int i = 0; i < 10; i++) {
            StoreCalls.account(store, msg(), record("c", "0.1", T0 + i, null));
        }
        StoreCalls.account(store, msg(), record("c", "-0.25", T0 + 100, null), record("c", "3", T0 + 101, null));
        UsageRow row = store.openRows().get(0);
        assertEquals(new BigDecimal("3.75"), row.sum().stripTrailingZeros().setScale(2));
        assertEquals(0, new BigDecimal("3.75").compareTo(row.sum()));
        assertEquals(12, row.count());
        assertEquals(new BigDecimal("-0.25"), row.min());
        assertEquals(new BigDecimal("3"), row.max());
        assertEquals(1619445660000L, row.windowStart());
        assertEquals(1619445720000L, row.windowEnd());
    }

    @Test
    void a_rocksdb_folder_in_use_is_refused_naming_the_setting_and_the_store_opens_once_it_is_free() throws Exception {
        UsageStore first = store("rocksdb", RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(first, msg(), record("c", "5", T0, null));
        RocksUsageStore second = new RocksUsageStore(dir.resolve("rocks"), new RecordKeys(RecordKeys.DedupMode.CONTENT),
                new Windows(60_000, 30_000), Duration.ofDays(14), clock);
        StartupException refused = assertThrows(StartupException.class, second::createSchema);
        assertTrue(refused.getMessage().startsWith("ingest.store.url: the RocksDB folder "), refused.getMessage());
        assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
        // the refused open left nothing behind: once the first lets go, the same store opens and has its rows
        rocks.forEach(RocksUsageStore::close);
        rocks.clear();
        second.createSchema();
        rocks.add(second);
        assertEquals(new BigDecimal("5"), second.openRows().get(0).sum());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void a_redelivered_message_changes_no_total(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        String id = msg();
        assertEquals(new UsageStore.Accounting(false, 2, 0),
                StoreCalls.account(store, id, record("c", "5", T0, null), record("c", "6", T0, null)));
        assertEquals(new UsageStore.Accounting(true, 0, 0),
                StoreCalls.account(store, id, record("c", "5", T0, null), record("c", "6", T0, null)));
        assertEquals(new BigDecimal("11"), store.openRows().get(0).sum());
        assertEquals(2, store.openRows().get(0).count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void duplicates_by_unique_id_or_content_are_counted_once(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(store, msg(), record("c", "5", T0, "u-1"), record("c", "7", T0, null));
        // a producer retry as a new message: same uniqueId (other value even), identical content
        assertEquals(new UsageStore.Accounting(false, 0, 2),
                StoreCalls.account(store, msg(), record("c", "9", T0, "u-1"), record("c", "7.0", T0, null)));
        // duplicates inside one message
        assertEquals(new UsageStore.Accounting(false, 1, 2), StoreCalls.account(store, msg(),
                record("c", "1", T0, "u-2"), record("c", "1", T0, "u-2"), record("c", "2", T0, "u-2")));
        UsageRow row = store.openRows().get(0);
        assertEquals(new BigDecimal("13"), row.sum());
        assertEquals(3, row.count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void unique_id_mode_counts_identical_records_without_a_unique_id(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.UNIQUE_ID);
        StoreCalls.account(store, msg(), record("c", "5", T0, null), record("c", "5", T0, null));
        StoreCalls.account(store, msg(), record("c", "5", T0, "u"), record("c", "5", T0, "u"));
        assertEquals(3, store.openRows().get(0).count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void flushes_closed_windows_only_and_late_records_make_a_new_row(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        long windowEnd = 1619445720000L;
        clock.set(Instant.ofEpochMilli(windowEnd + 29_999));
        StoreCalls.account(store, msg(), record("c", "5", T0, null), record("c", "1", windowEnd + 5, null));
        assertNull(store.closeWindows(UsageStore.WindowsToClose.DUE, StoreCalls.UNBOUNDED), "within grace: nothing closes");
        clock.set(Instant.ofEpochMilli(windowEnd + 30_000));
        String first = store.closeWindows(UsageStore.WindowsToClose.DUE, StoreCalls.UNBOUNDED);
        List<Flush> pending = store.pendingFlushes();
        assertEquals(1, pending.size());
        assertEquals(first, pending.get(0).id());
        assertEquals(List.of(new BigDecimal("5")), pending.get(0).rows().stream().map(UsageRow::sum).toList());
        assertEquals(1, store.openRows().size(), "the next window stays open");
        store.markWritten(first);
        assertEquals(List.of(), store.pendingFlushes());

        StoreCalls.account(store, msg(), record("c", "2", T0 + 1, null)); // late, for the flushed window
        String all = store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        assertNotEquals(first, all);
        List<UsageRow> rows = store.pendingFlushes().get(0).rows();
        assertEquals(2, rows.size());
        assertEquals(new BigDecimal("2"), rows.get(0).sum(), "late record: a new row for the old window");
        assertEquals(new BigDecimal("1"), rows.get(1).sum());
        assertEquals(List.of(), store.openRows());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void a_flush_holds_at_most_max_rows_and_the_rest_go_into_the_next_ones(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        long windowEnd = 1619445720000L;
        StoreCalls.account(store, msg(), record("a", "1", T0, null), record("b", "2", T0, null), record("c", "3", T0, null),
                record("d", "4", T0, null), record("e", "5", T0, null), record("f", "6", windowEnd + 5, null));
        clock.set(Instant.ofEpochMilli(windowEnd + 30_000));

        List<String> ids = new ArrayList<>();
        for (String id = store.closeWindows(UsageStore.WindowsToClose.DUE, 2); id != null; id = store.closeWindows(UsageStore.WindowsToClose.DUE, 2)) {
            ids.add(id);
        }
        assertEquals(3, ids.size(), "5 closed rows, at most 2 per flush: " + ids);
        assertEquals(3, new HashSet<>(ids).size(), "three distinct flushes");
        List<Flush> pending = store.pendingFlushes();
        // the test clock stands still, so the three share a creation time
        assertEquals(new HashSet<>(ids), new HashSet<>(pending.stream().map(Flush::id).toList()));
        assertEquals(List.of(2, 2, 1), pending.stream().map(Flush::size).sorted(java.util.Comparator.reverseOrder()).toList());
        Map<String, BigDecimal> flushed = new TreeMap<>();
        pending.forEach(flush -> flush.rows().forEach(row -> assertNull(flushed.put(row.customerId(), row.sum()),
                "a row in two flushes: " + row)));
        assertEquals(Map.of("a", new BigDecimal("1"), "b", new BigDecimal("2"), "c", new BigDecimal("3"),
                "d", new BigDecimal("4"), "e", new BigDecimal("5")), flushed);
        assertEquals(1, store.openRows().size(), "the window not yet closed stays open");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void a_flush_interrupted_before_it_was_recorded_as_written_is_the_same_flush_after_a_restart(String database)
            throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(store, msg(), record("a", "1.5", T0, null), record("b", "2", T0, null), record("a", "3", T0 + 60_000, null));
        String id = store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        Flush before = store.pendingFlushes().get(0);
        byte[] written = new UsageFormat().ndjson(before);
        closePools(); // "crash": S3 may have the objects, the store does not know

        UsageStore restarted = store(database, RecordKeys.DedupMode.CONTENT);
        List<Flush> pending = restarted.pendingFlushes();
        assertEquals(1, pending.size());
        assertEquals(before, pending.get(0));
        assertEquals(id, pending.get(0).id());
        assertEquals(new String(written), new String(new UsageFormat().ndjson(pending.get(0))));
        assertNull(restarted.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED), "no new flush: the rows are not duplicated");
    }

    /** The RocksDB store keeps its unwritten flushes in memory too: they must come back from disk at open. */
    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void after_a_restart_only_the_unwritten_flushes_are_pending_and_the_lag_counts_from_the_oldest(String database)
            throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(store, msg(), record("a", "1", T0, null));
        store.markWritten(store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED));
        clock.set(clock.instant().plusSeconds(1));
        StoreCalls.account(store, msg(), record("b", "2", T0, null));
        String first = store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        clock.set(clock.instant().plusSeconds(1));
        StoreCalls.account(store, msg(), record("c", "3", T0, null));
        String second = store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        clock.set(clock.instant().plusSeconds(5));
        closePools();

        UsageStore restarted = store(database, RecordKeys.DedupMode.CONTENT);
        assertEquals(List.of(first, second), restarted.pendingFlushes().stream().map(Flush::id).toList());
        assertEquals(6_000, restarted.flushLagMillis(), "from the oldest unwritten flush");
        restarted.markWritten(first);
        assertEquals(List.of(second), restarted.pendingFlushes().stream().map(Flush::id).toList());
        assertEquals(5_000, restarted.flushLagMillis());
        restarted.markWritten(second);
        assertEquals(List.of(), restarted.pendingFlushes());
        assertEquals(0, restarted.flushLagMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void flush_lag_counts_from_when_a_row_became_due(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        assertEquals(0, store.flushLagMillis());
        long windowEnd = 1619445720000L;
        // a record for a window closed long ago is due when it arrives, not since 2021
        StoreCalls.account(store, msg(), record("c", "5", T0, null));
        clock.set(clock.instant().plusSeconds(7));
        assertEquals(7_000, store.flushLagMillis());
        store.closeWindows(UsageStore.WindowsToClose.DUE, StoreCalls.UNBOUNDED);
        clock.set(clock.instant().plusSeconds(3));
        assertEquals(3_000, store.flushLagMillis(), "a flush not yet written counts from its creation");
        store.markWritten(store.pendingFlushes().get(0).id());
        assertEquals(0, store.flushLagMillis());
        // a current window: due at end + grace
        clock.set(Instant.ofEpochMilli(windowEnd - 10_000));
        StoreCalls.account(store, msg(), record("c", "1", windowEnd - 20_000, null));
        clock.set(Instant.ofEpochMilli(windowEnd + 30_000 + 4_000));
        assertEquals(4_000, store.flushLagMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void a_flush_marked_written_keeps_its_rows_and_an_empty_flush_is_never_written(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(store, msg(), record("a", "1", T0, null), record("b", "2", T0, null));
        String id = store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        store.markWritten(id);
        // another instance may be writing this flush right now and must still find all its rows
        assertEquals(2, count("SELECT COUNT(*) FROM usage_flush_row WHERE flush_id = '" + id + "'"));
        assertEquals(List.of(), store.pendingFlushes());
        execute("INSERT INTO usage_flush (flush_id, created_at, written) VALUES ('empty', 1, FALSE)");
        assertEquals(List.of(), store.pendingFlushes(), "a flush without rows is never written over real objects");
    }

    private long count(String sql) throws Exception {
        try (var connection = pools.get(0).getConnection(); var statement = connection.createStatement();
             var rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String sql) throws Exception {
        try (var connection = pools.get(0).getConnection(); var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void pruning_forgets_keys_after_the_retention(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        StoreCalls.account(store, "m-1", record("c", "5", T0, "u-1"));
        clock.set(clock.instant().plus(Duration.ofDays(13)));
        assertEquals(0, store.prune());
        assertEquals(1, StoreCalls.account(store, msg(), record("c", "5", T0, "u-1")).duplicates());
        clock.set(clock.instant().plus(Duration.ofDays(2)));
        assertEquals(2, store.prune(), "the key and the message id of day 0");
        assertEquals(0, StoreCalls.account(store, msg(), record("c", "5", T0, "u-1")).duplicates(),
                "beyond the retention the same uniqueId counts again, as the contract says");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "h2", "postgresql"})
    void concurrent_messages_on_the_same_rows_add_up_exactly(String database) throws Exception {
        UsageStore store = store(database, RecordKeys.DedupMode.CONTENT);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        StoreCalls.account(store, msg(), record("c", "1", T0 + thread * 1000 + i, null),
                                record("d", "2", T0 + thread * 1000 + i, null));
                        if (i % 10 == 0) {
                            store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
                        }
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
        store.closeWindows(UsageStore.WindowsToClose.ALL, StoreCalls.UNBOUNDED);
        Map<String, long[]> totals = new TreeMap<>();
        for (Flush flush : store.pendingFlushes()) {
            for (UsageRow row : flush.rows()) {
                long[] t = totals.computeIfAbsent(row.customerId(), k -> new long[2]);
                t[0] += row.sum().longValueExact();
                t[1] += row.count();
            }
        }
        assertEquals(100, totals.get("c")[1]);
        assertEquals(100, totals.get("c")[0]);
        assertEquals(200, totals.get("d")[0]);
        assertTrue(store.openRows().isEmpty());
    }
}
