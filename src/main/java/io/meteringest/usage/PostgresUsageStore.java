package io.meteringest.usage;

import io.meteringest.StartupException;
import io.meteringest.record.MeterRecord;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage store on PostgreSQL ({@code jdbc:postgresql:...}), shared by several instances. A poll is
 * ONE transaction of four statements whatever its size, each a whole array ({@code unnest}):
 * <ol>
 *   <li>the day gate (below);</li>
 *   <li>the message ids, {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}: the ones returned are new,
 *       the rest were accounted before (a redelivery);</li>
 *   <li>the new messages' record keys (16-byte {@code bytea} digests), the same way: a key not
 *       returned is a duplicate;</li>
 *   <li>the poll's per-row deltas, merged in memory first, as one upsert that adds them in SQL
 *       ({@code ON CONFLICT (row_key) DO UPDATE}), rows in key order so instances do not deadlock.</li>
 * </ol>
 * Keys and message ids live in tables partitioned by arrival day (UTC, {@code yyyyMMdd}); retention
 * drops whole days. A day's primary key makes a key unique within the day, and the insert's
 * {@code NOT EXISTS} finds it in the other live days. What a partitioned table cannot do by itself is
 * stop two instances whose transactions are on different days (at midnight, or clocks apart) from
 * inserting the same new key at the same moment, neither seeing the other's uncommitted row. The day
 * gate closes that: each transaction holds a shared advisory lock on its day until it ends, and before
 * its inserts waits until no transaction of the day before or after is in flight. So two transactions
 * of different days never overlap, and of one day the primary key decides. The open rows and the flush
 * outbox are {@link SqlOutbox}'s, as on H2.
 */
public final class PostgresUsageStore extends SqlOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresUsageStore.class);
    /** advisory lock space of the day gate: 'M','I' */
    private static final int GATE = 0x4D49;
    private static final String ROW_TYPES =
            "varchar[], varchar[], varchar[], varchar[], bigint[], bigint[], varchar[], bigint[], varchar[], varchar[]";

    private final RecordKeys keys;
    private final Duration retention;
    /** days whose partitions exist (made before the first poll of the day needs them) */
    private final Set<Integer> days = ConcurrentHashMap.newKeySet();

    public PostgresUsageStore(DataSource dataSource, RecordKeys keys, Windows windows, Duration retention, Clock clock) {
        super(new SqlTransactions(dataSource), windows, clock);
        this.keys = keys;
        this.retention = retention;
    }

    @Override
    void refuseEarlierLayout(Connection connection) throws SQLException {
        // the dedup tables of the earlier layout (hex keys, deleted row by row): not read by this one
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT to_regclass('seen_record') IS NOT NULL")) {
            if (rs.next() && rs.getBoolean(1)) {
                throw new StartupException("ingest.store.url: this PostgreSQL schema holds the usage store of an earlier"
                        + " layout (table seen_record), which this version does not read; flush it with the earlier version"
                        + " and point ingest.store.url at a fresh database or schema (currentSchema=...)");
            }
        }
    }

    @Override
    List<String> ledgerTables() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS seen_message (message_id varchar(128) NOT NULL, day int NOT NULL,"
                        + " PRIMARY KEY (message_id, day)) PARTITION BY LIST (day)",
                "CREATE TABLE IF NOT EXISTS seen_key (record_key bytea NOT NULL, day int NOT NULL,"
                        + " PRIMARY KEY (record_key, day)) PARTITION BY LIST (day)");
    }

    @Override
    public Accounting account(List<UsageBatch> batches) {
        if (batches.isEmpty()) {
            return Accounting.NOTHING;
        }
        // the keys before the transaction (SHA-256 is most of this method's CPU), a row's key once per poll
        List<List<byte[]>> keysByBatch = new ArrayList<>();
        List<List<UsageRow>> rowsByBatch = new ArrayList<>();
        Map<UsageRow.Id, String> rowKeys = new HashMap<>();
        for (UsageBatch batch : batches) {
            List<byte[]> batchKeys = new ArrayList<>();
            List<UsageRow> batchRows = new ArrayList<>();
            for (MeterRecord record : batch.records()) {
                String dims = RecordKeys.dimensionsJson(record.dimensions());
                batchKeys.add(keys.dedupDigest(record, dims));
                UsageRow row = UsageRow.of(record, dims, windows);
                rowKeys.computeIfAbsent(row.id(), id -> RecordKeys.rowKey(id.customerId(), id.meterApiName(),
                        id.dimensionsJson(), id.windowStart()));
                batchRows.add(row);
            }
            keysByBatch.add(batchKeys);
            rowsByBatch.add(batchRows);
        }
        long now = clock.millis();
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC);
        partitions(day);
        List<Accounting> results = transactions.inTransaction(connection -> {
            gate(connection, day);
            Set<String> newMessages = insertNew(connection, "seen_message", "message_id", "varchar",
                    batches.stream().map(UsageBatch::messageId).distinct().toArray(String[]::new), day(day), ResultSet::getString);
            Set<java.nio.ByteBuffer> candidates = new LinkedHashSet<>();
            for (int b = 0; b < batches.size(); b++) {
                if (newMessages.contains(batches.get(b).messageId())) {
                    keysByBatch.get(b).stream().filter(java.util.Objects::nonNull)
                            .forEach(k -> candidates.add(java.nio.ByteBuffer.wrap(k)));
                }
            }
            Set<java.nio.ByteBuffer> newKeys = insertNew(connection, "seen_key", "record_key", "bytea",
                    candidates.stream().map(java.nio.ByteBuffer::array).toArray(byte[][]::new), day(day),
                    (rs, column) -> java.nio.ByteBuffer.wrap(rs.getBytes(column)));
            Map<String, UsageRow> deltas = new TreeMap<>(); // sorted: row locks in key order
            Set<String> accountedNow = new HashSet<>();
            List<Accounting> accountings = new ArrayList<>();
            for (int b = 0; b < batches.size(); b++) {
                UsageBatch batch = batches.get(b);
                if (!newMessages.contains(batch.messageId()) || !accountedNow.add(batch.messageId())) {
                    accountings.add(new Accounting(true, 0, 0));
                    continue;
                }
                int duplicates = 0;
                List<byte[]> batchKeys = keysByBatch.get(b);
                for (int r = 0; r < batchKeys.size(); r++) {
                    byte[] key = batchKeys.get(r);
                    // new to the store, and the first of this poll's records with it
                    if (key != null && !newKeys.remove(java.nio.ByteBuffer.wrap(key))) {
                        duplicates++;
                        continue;
                    }
                    UsageRow one = rowsByBatch.get(b).get(r);
                    deltas.merge(rowKeys.get(one.id()), one, UsageRow::plus);
                }
                accountings.add(new Accounting(false, batchKeys.size() - duplicates, duplicates));
            }
            addToOpenRows(connection, deltas, now);
            return accountings;
        });
        return UsageBatch.accounted(batches, results);
    }

    private interface Column<T> {
        T read(ResultSet rs, int column) throws SQLException;
    }

    /**
     * Inserts into today's partition the values no live day holds yet, in one statement; returns those
     * it inserted. A concurrent insert of the same value today waits for the other transaction, then
     * conflicts (not returned).
     */
    private static <T> Set<T> insertNew(Connection connection, String table, String column, String type, Object[] values,
                                        int day, Column<T> reader) throws SQLException {
        Set<T> inserted = new HashSet<>();
        if (values.length == 0) {
            return inserted;
        }
        String sql = "INSERT INTO " + table + " (" + column + ", day) SELECT v, ? FROM unnest(?::" + type + "[]) AS c(v)"
                + " WHERE NOT EXISTS (SELECT 1 FROM " + table + " s WHERE s." + column + " = c.v)"
                + " ON CONFLICT DO NOTHING RETURNING " + column;
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setInt(1, day);
            insert.setArray(2, connection.createArrayOf(type, values));
            try (ResultSet rs = insert.executeQuery()) {
                while (rs.next()) {
                    inserted.add(reader.read(rs, 1));
                }
            }
        }
        return inserted;
    }

    /**
     * The day gate: a shared lock on this transaction's day, held to its end, then a pass through the
     * locks of the day before and after (taken and given back at once), which waits until no
     * transaction of those days is in flight. Two transactions of neighbouring days that gate at once
     * wait for each other; PostgreSQL reports the deadlock to one of them, which starts again.
     */
    private static void gate(Connection connection, LocalDate day) throws SQLException {
        try (PreparedStatement shared = connection.prepareStatement("SELECT pg_advisory_xact_lock_shared(?, ?)")) {
            shared.setInt(1, GATE);
            shared.setInt(2, day(day));
            shared.execute();
        }
        try {
            for (int other : new int[] {day(day.minusDays(1)), day(day.plusDays(1))}) {
                // xact-level locks cannot be given back early: a session-level one is, in the same statement
                try (PreparedStatement pass = connection.prepareStatement(
                        "SELECT pg_advisory_lock(?, ?), pg_advisory_unlock(?, ?)")) {
                    pass.setInt(1, GATE);
                    pass.setInt(2, other);
                    pass.setInt(3, GATE);
                    pass.setInt(4, other);
                    pass.execute();
                }
            }
        } catch (SQLException e) {
            // a session-level lock outlives the transaction: never hand a pooled connection back holding one
            connection.rollback();
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_unlock_all()");
            }
            throw e;
        }
    }

    /**
     * The poll's merged deltas added to the open rows in one statement; the sums are added in SQL as
     * numeric (exact), min and max keep the stored text unless the new value is smaller or larger.
     */
    private static void addToOpenRows(Connection connection, Map<String, UsageRow> deltas, long now) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        int n = deltas.size();
        String[] rowKey = new String[n];
        String[] customer = new String[n];
        String[] meter = new String[n];
        String[] dims = new String[n];
        Long[] start = new Long[n];
        Long[] end = new Long[n];
        String[] sum = new String[n];
        Long[] count = new Long[n];
        String[] min = new String[n];
        String[] max = new String[n];
        int i = 0;
        for (Map.Entry<String, UsageRow> delta : deltas.entrySet()) {
            UsageRow row = delta.getValue();
            rowKey[i] = delta.getKey();
            customer[i] = row.customerId();
            meter[i] = row.meterApiName();
            dims[i] = row.dimensionsJson();
            start[i] = row.windowStart();
            end[i] = row.windowEnd();
            sum[i] = row.sum().toString();
            count[i] = row.count();
            min[i] = row.min().toString();
            max[i] = row.max().toString();
            i++;
        }
        String sql = "INSERT INTO usage_open (" + SqlOutbox.ROW_COLUMNS + ", opened_at)"
                + " SELECT r.*, ? FROM unnest(" + ROW_TYPES.replaceAll("(\\w+)\\[\\]", "?::$1[]") + ")"
                + " AS r(" + SqlOutbox.ROW_COLUMNS + ") ORDER BY r.row_key"
                + " ON CONFLICT (row_key) DO UPDATE SET"
                + " sum_value = (usage_open.sum_value::numeric + excluded.sum_value::numeric)::text,"
                + " record_count = usage_open.record_count + excluded.record_count,"
                + " min_value = CASE WHEN excluded.min_value::numeric < usage_open.min_value::numeric"
                + " THEN excluded.min_value ELSE usage_open.min_value END,"
                + " max_value = CASE WHEN excluded.max_value::numeric > usage_open.max_value::numeric"
                + " THEN excluded.max_value ELSE usage_open.max_value END";
        Object[][] columns = {rowKey, customer, meter, dims, start, end, sum, count, min, max};
        String[] types = ROW_TYPES.replace("[]", "").split(", ");
        try (PreparedStatement upsert = connection.prepareStatement(sql)) {
            upsert.setLong(1, now);
            for (int c = 0; c < columns.length; c++) {
                Array array = connection.createArrayOf(types[c], columns[c]);
                upsert.setArray(c + 2, array);
            }
            upsert.executeUpdate();
        }
    }

    /** Today's and tomorrow's partitions, made once per day per instance, each in its own transaction. */
    private void partitions(LocalDate day) {
        if (days.contains(day(day))) {
            return;
        }
        for (int d : new int[] {day(day), day(day.plusDays(1))}) {
            transactions.inTransaction(connection -> {
                try (Statement statement = connection.createStatement()) {
                    for (String table : new String[] {"seen_message", "seen_key"}) {
                        statement.execute("CREATE TABLE IF NOT EXISTS " + table + "_" + d + " PARTITION OF " + table
                                + " FOR VALUES IN (" + d + ")");
                    }
                }
                return null;
            });
        }
        days.add(day(day));
    }

    /**
     * Forgets the days of record keys and message ids wholly older than {@code ingest.dedup.retention}
     * (a key is remembered for the retention and at most a day more) by dropping their partitions, and
     * the written flushes older than it.
     */
    @Override
    public int prune() {
        long before = clock.millis() - retention.toMillis();
        // a day is dropped once its last millisecond is older than the retention
        int lastDropped = day(LocalDate.ofInstant(Instant.ofEpochMilli(before), ZoneOffset.UTC).minusDays(1));
        return transactions.inTransaction(connection -> {
            int forgotten = 0;
            List<String> drop = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT c.relname FROM pg_inherits i"
                    + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
                    + " WHERE p.oid IN (to_regclass('seen_message'), to_regclass('seen_key'))");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (Integer.parseInt(name.substring(name.lastIndexOf('_') + 1)) <= lastDropped) {
                        drop.add(name);
                    }
                }
            }
            try (Statement statement = connection.createStatement()) {
                for (String partition : drop) {
                    try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + partition)) {
                        rs.next();
                        forgotten += rs.getInt(1);
                    }
                    statement.execute("DROP TABLE " + partition);
                    days.remove(Integer.parseInt(partition.substring(partition.lastIndexOf('_') + 1)));
                }
            }
            if (!drop.isEmpty()) {
                LOG.info("pruned {} day partition(s) of keys and message ids: {}", drop.size(), drop);
            }
            return forgotten + SqlOutbox.pruneWritten(connection, before);
        });
    }

    private static int day(LocalDate date) {
        return date.getYear() * 10000 + date.getMonthValue() * 100 + date.getDayOfMonth();
    }
}
