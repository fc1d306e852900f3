package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage store in SQL (H2 file, or PostgreSQL for several instances sharing one state, same SQL): open window aggregates, processed message ids and seen record keys, all changed in ONE
 * transaction per message, and flushes kept outbox-style until their S3 objects are written.
 * Row locks are taken in key order, so concurrent instances wait rather than deadlock; a transaction
 * that loses a race (unique key, lock timeout) is retried from the start.
 */
public final class SqlUsageStore implements UsageStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqlUsageStore.class);
    private static final int ATTEMPTS = 5;
    private static final int IN_CHUNK = 500;
    private static final String ROW_COLUMNS =
            "row_key, customer_id, meter_api_name, dimensions, window_start, window_end, sum_value, record_count, min_value, max_value";
    private static final DateTimeFormatter FLUSH_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final DataSource dataSource;
    private final RecordKeys keys;
    private final Windows windows;
    private final Duration retention;
    private final Clock clock;

    public SqlUsageStore(DataSource dataSource, RecordKeys keys, Windows windows, Duration retention, Clock clock) {
        this.dataSource = dataSource;
        this.keys = keys;
        this.windows = windows;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public void createSchema() throws Exception {
        String rowTable = "(row_key VARCHAR(64) NOT NULL, customer_id VARCHAR(256) NOT NULL, meter_api_name VARCHAR(256) NOT NULL,"
                + " dimensions VARCHAR(200000) NOT NULL, window_start BIGINT NOT NULL, window_end BIGINT NOT NULL,"
                + " sum_value VARCHAR(2000) NOT NULL, record_count BIGINT NOT NULL, min_value VARCHAR(2000) NOT NULL,"
                + " max_value VARCHAR(2000) NOT NULL";
        List<String> ddl = List.of(
                // opened_at: when the row got its first record, for the flush lag of late data
                "CREATE TABLE IF NOT EXISTS usage_open " + rowTable + ", opened_at BIGINT NOT NULL, PRIMARY KEY (row_key))",
                "CREATE TABLE IF NOT EXISTS usage_flush (flush_id VARCHAR(64) NOT NULL PRIMARY KEY,"
                        + " created_at BIGINT NOT NULL, written BOOLEAN NOT NULL)",
                "CREATE TABLE IF NOT EXISTS usage_flush_row (flush_id VARCHAR(64) NOT NULL, " + rowTable.substring(1)
                        + ", PRIMARY KEY (flush_id, row_key))",
                "CREATE TABLE IF NOT EXISTS processed_message (message_id VARCHAR(128) NOT NULL PRIMARY KEY, processed_at BIGINT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS seen_record (record_key VARCHAR(64) NOT NULL PRIMARY KEY, seen_at BIGINT NOT NULL)");
        inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                for (String sql : ddl) {
                    statement.execute(sql);
                }
            }
            return null;
        });
    }

    /**
     * Accounts the accepted records of a poll's messages, in the order given, in ONE transaction: a
     * message id seen before changes nothing (a redelivery after a crash), a record whose dedup key was
     * seen before (in the store, or earlier in these messages) is a duplicate. The poll's deltas are
     * merged per usage row first, so each row is written once per poll. Each batch gets its
     * {@link UsageBatch#accounting()}; the returned total says whether all of them were accounted before.
     */
    @Override
    public Accounting account(List<UsageBatch> batches) {
        if (batches.isEmpty()) {
            return new Accounting(false, 0, 0);
        }
        List<Accounting> results = inTransaction(connection -> {
            long now = clock.millis();
            Set<String> processed = new HashSet<>();
            selectIn(connection, "SELECT message_id FROM processed_message WHERE message_id IN (%s)",
                    batches.stream().map(UsageBatch::messageId).distinct().toList(), rs -> processed.add(rs.getString(1)));
            List<List<String>> keysByBatch = new ArrayList<>();
            List<String> candidates = new ArrayList<>();
            for (UsageBatch batch : batches) {
                List<String> batchKeys = new ArrayList<>();
                if (!processed.contains(batch.messageId())) {
                    for (MeterRecord record : batch.records()) {
                        String key = keys.dedupKey(record);
                        batchKeys.add(key);
                        if (key != null) {
                            candidates.add(key);
                        }
                    }
                }
                keysByBatch.add(batchKeys);
            }
            Set<String> seen = new HashSet<>();
            selectIn(connection, "SELECT record_key FROM seen_record WHERE record_key IN (%s)",
                    candidates.stream().distinct().toList(), rs -> seen.add(rs.getString(1)));
            Map<String, UsageRow> deltas = new TreeMap<>(); // sorted: locks in key order
            List<String> newKeys = new ArrayList<>();
            List<String> newMessages = new ArrayList<>();
            List<Accounting> accountings = new ArrayList<>();
            for (int b = 0; b < batches.size(); b++) {
                UsageBatch batch = batches.get(b);
                if (processed.contains(batch.messageId()) || newMessages.contains(batch.messageId())) {
                    accountings.add(new Accounting(true, 0, 0));
                    continue;
                }
                newMessages.add(batch.messageId());
                List<MeterRecord> records = batch.records();
                int duplicates = 0;
                for (int r = 0; r < records.size(); r++) {
                    MeterRecord record = records.get(r);
                    String dedupKey = keysByBatch.get(b).get(r);
                    if (dedupKey != null && !seen.add(dedupKey)) {
                        duplicates++;
                        continue;
                    }
                    if (dedupKey != null) {
                        newKeys.add(dedupKey);
                    }
                    UsageRow one = UsageRow.of(record, windows);
                    deltas.merge(RecordKeys.rowKey(one.customerId(), one.meterApiName(), one.dimensionsJson(), one.windowStart()),
                            one, UsageRow::plus);
                }
                accountings.add(new Accounting(false, records.size() - duplicates, duplicates));
            }
            insertAll(connection, "INSERT INTO processed_message (message_id, processed_at) VALUES (?, ?)", newMessages, now);
            newKeys.sort(null);
            insertAll(connection, "INSERT INTO seen_record (record_key, seen_at) VALUES (?, ?)", newKeys, now);
            addToOpenRows(connection, deltas);
            return accountings;
        });
        int accounted = 0;
        int duplicates = 0;
        boolean allBefore = true;
        for (int i = 0; i < batches.size(); i++) {
            Accounting result = results.get(i);
            batches.get(i).accounted(result);
            accounted += result.accounted();
            duplicates += result.duplicates();
            allBefore &= result.alreadyAccounted();
        }
        return new Accounting(allBefore, accounted, duplicates);
    }

    /** One batched INSERT of (key, at) rows. */
    private static void insertAll(Connection connection, String sql, List<String> keys, long at) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            for (String key : keys) {
                insert.setString(1, key);
                insert.setLong(2, at);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * Moves the open rows of closed windows (or all open rows, on shutdown) into a new flush, in one
     * transaction. Returns its id, or null when there was nothing to flush.
     */
    @Override
    public String closeWindows(boolean all) {
        return inTransaction(connection -> {
            long now = clock.millis();
            List<Map.Entry<String, UsageRow>> rows = new ArrayList<>();
            String where = all ? "" : " WHERE window_end <= ?";
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + ROW_COLUMNS + " FROM usage_open" + where + " ORDER BY row_key FOR UPDATE")) {
                if (!all) {
                    select.setLong(1, windows.closedBefore(now));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        rows.add(Map.entry(rs.getString(1), row(rs, 2)));
                    }
                }
            }
            if (rows.isEmpty()) {
                return null;
            }
            String flushId = FLUSH_ID.format(Instant.ofEpochMilli(now)) + "-" + UUID.randomUUID().toString().substring(0, 8);
            update(connection, "INSERT INTO usage_flush (flush_id, created_at, written) VALUES (?, ?, FALSE)", flushId, now);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO usage_flush_row (flush_id, "
                    + ROW_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement delete = connection.prepareStatement("DELETE FROM usage_open WHERE row_key = ?")) {
                for (Map.Entry<String, UsageRow> entry : rows) {
                    insert.setString(1, flushId);
                    insert.setString(2, entry.getKey());
                    bindRow(insert, 3, entry.getValue());
                    insert.addBatch();
                    delete.setString(1, entry.getKey());
                    delete.addBatch();
                }
                insert.executeBatch();
                delete.executeBatch();
            }
            LOG.info("flush {}: {} usage row(s) closed", flushId, rows.size());
            return flushId;
        });
    }

    /** Flushes whose S3 objects are not known to be written, oldest first, rows in a fixed order. */
    @Override
    public List<Flush> pendingFlushes() {
        return inTransaction(connection -> {
            List<Flush> flushes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT flush_id, created_at FROM usage_flush WHERE written = FALSE ORDER BY created_at, flush_id");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    flushes.add(new Flush(rs.getString(1), rs.getLong(2), List.of()));
                }
            }
            List<Flush> withRows = new ArrayList<>();
            for (Flush flush : flushes) {
                List<UsageRow> rows = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT " + ROW_COLUMNS
                        + " FROM usage_flush_row WHERE flush_id = ?"
                        + " ORDER BY customer_id, meter_api_name, dimensions, window_start")) {
                    select.setString(1, flush.id());
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            rows.add(row(rs, 2));
                        }
                    }
                }
                if (!rows.isEmpty()) {
                    withRows.add(new Flush(flush.id(), flush.createdAt(), List.copyOf(rows)));
                }
            }
            return withRows;
        });
    }

    /**
     * Records that a flush's objects are in S3. Its rows stay until pruned: another instance may be
     * writing the same flush right now and must find the same rows, or it would overwrite the
     * objects with fewer.
     */
    @Override
    public void markWritten(String flushId) {
        inTransaction(connection -> update(connection, "UPDATE usage_flush SET written = TRUE WHERE flush_id = ?", flushId));
    }

    /** Forgets record keys, message ids and written flushes older than {@code ingest.dedup.retention}. */
    @Override
    public int prune() {
        long before = clock.millis() - retention.toMillis();
        return inTransaction(connection ->
                update(connection, "DELETE FROM seen_record WHERE seen_at < ?", before)
                        + update(connection, "DELETE FROM processed_message WHERE processed_at < ?", before)
                        + update(connection, "DELETE FROM usage_flush_row WHERE flush_id IN (SELECT flush_id FROM usage_flush"
                                + " WHERE written = TRUE AND created_at < ?)", before)
                        + update(connection, "DELETE FROM usage_flush WHERE written = TRUE AND created_at < ?", before));
    }

    /**
     * How long the oldest closed window has waited to reach S3: a closed window still open in the
     * store, or a flush not yet written. 0 when nothing is late.
     */
    @Override
    public long flushLagMillis() {
        return inTransaction(connection -> {
            long now = clock.millis();
            long oldest = now;
            // a row became due at window end + grace, or when it was opened if its records came late
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT MIN(CASE WHEN window_end + ? > opened_at THEN window_end + ? ELSE opened_at END)"
                            + " FROM usage_open WHERE window_end <= ?")) {
                select.setLong(1, windows.graceMillis());
                select.setLong(2, windows.graceMillis());
                select.setLong(3, windows.closedBefore(now));
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next() && rs.getObject(1) != null) {
                        oldest = Math.min(oldest, rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT MIN(created_at) FROM usage_flush WHERE written = FALSE");
                 ResultSet rs = select.executeQuery()) {
                if (rs.next() && rs.getObject(1) != null) {
                    oldest = Math.min(oldest, rs.getLong(1));
                }
            }
            return now - oldest;
        });
    }

    /** The open (not yet flushed) rows, for operators and tests. */
    @Override
    public List<UsageRow> openRows() {
        return inTransaction(connection -> {
            List<UsageRow> rows = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + ROW_COLUMNS
                    + " FROM usage_open ORDER BY customer_id, meter_api_name, dimensions, window_start");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs, 2));
                }
            }
            return rows;
        });
    }

    /**
     * Adds the message's per-row sums to the open rows: the existing ones locked and read in one
     * statement per chunk (key order), then one batched INSERT for new rows and one batched UPDATE;
     * a handful of statements per message however many rows it touches.
     */
    private void addToOpenRows(Connection connection, Map<String, UsageRow> deltas) throws SQLException {
        Map<String, UsageRow> current = new HashMap<>();
        selectIn(connection, "SELECT " + ROW_COLUMNS + " FROM usage_open WHERE row_key IN (%s) ORDER BY row_key FOR UPDATE",
                List.copyOf(deltas.keySet()), rs -> current.put(rs.getString(1), row(rs, 2)));
        try (PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO usage_open (" + ROW_COLUMNS + ", opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement update = connection.prepareStatement(
                     "UPDATE usage_open SET sum_value = ?, record_count = ?, min_value = ?, max_value = ? WHERE row_key = ?")) {
            for (Map.Entry<String, UsageRow> delta : deltas.entrySet()) {
                UsageRow existing = current.get(delta.getKey());
                if (existing == null) {
                    insert.setString(1, delta.getKey());
                    bindRow(insert, 2, delta.getValue());
                    insert.setLong(11, clock.millis());
                    insert.addBatch();
                } else {
                    UsageRow sum = UsageRow.plus(existing, delta.getValue());
                    update.setString(1, sum.sum().toString());
                    update.setLong(2, sum.count());
                    update.setString(3, sum.min().toString());
                    update.setString(4, sum.max().toString());
                    update.setString(5, delta.getKey());
                    update.addBatch();
                }
            }
            insert.executeBatch(); // an empty batch does nothing
            update.executeBatch();
        }
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    /** Runs {@code sql} with its {@code IN (%s)} bound to {@code keys}, {@link #IN_CHUNK} at a time, each row to {@code reader}. */
    private static void selectIn(Connection connection, String sql, List<String> keys, RowReader reader) throws SQLException {
        for (int from = 0; from < keys.size(); from += IN_CHUNK) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + IN_CHUNK));
            try (PreparedStatement select = connection.prepareStatement(
                    String.format(sql, String.join(",", java.util.Collections.nCopies(chunk.size(), "?"))))) {
                for (int i = 0; i < chunk.size(); i++) {
                    select.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        reader.read(rs);
                    }
                }
            }
        }
    }

    private static UsageRow row(ResultSet rs, int first) throws SQLException {
        return new UsageRow(rs.getString(first), rs.getString(first + 1), rs.getString(first + 2), rs.getLong(first + 3),
                rs.getLong(first + 4), new BigDecimal(rs.getString(first + 5)), rs.getLong(first + 6),
                new BigDecimal(rs.getString(first + 7)), new BigDecimal(rs.getString(first + 8)));
    }

    private static void bindRow(PreparedStatement statement, int first, UsageRow row) throws SQLException {
        statement.setString(first, row.customerId());
        statement.setString(first + 1, row.meterApiName());
        statement.setString(first + 2, row.dimensionsJson());
        statement.setLong(first + 3, row.windowStart());
        statement.setLong(first + 4, row.windowEnd());
        statement.setString(first + 5, row.sum().toString());
        statement.setLong(first + 6, row.count());
        statement.setString(first + 7, row.min().toString());
        statement.setString(first + 8, row.max().toString());
    }

    private static int update(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        }
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Serialization failure, deadlock, lock timeout or a concurrent insert of the same key: worth another go. */
    private static boolean isConflict(SQLException e) {
        // SQLException iterates its causes and its next exceptions (how a batch reports its statement's failure)
        for (Throwable t : e) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("40") || state.equals("23505") || state.equals("HYT00") || state.equals("90131")
                        || state.equals("55P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs {@code work} in one transaction, from the start again when it loses a race with another instance. */
    private <T> T inTransaction(Work<T> work) {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    T result = work.run(connection);
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                if (!isConflict(e)) {
                    // the store is down or refuses the statement: retrying here would only hold the message longer
                    throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
                }
                last = e;
                LOG.debug("store transaction attempt {} lost a race: {}", attempt, e.getMessage());
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("usage store transaction failed after " + ATTEMPTS + " attempts: "
                + (last == null ? "interrupted" : last.getMessage()), last);
    }
}
