package io.meteringest.usage;

import static io.meteringest.usage.SqlTransactions.update;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The half of a SQL store that H2 and PostgreSQL share: the open rows and the flush outbox. Closing
 * windows moves their open rows into a flush in one transaction, and a flush's rows stay, outbox-style,
 * until pruned after it is written, so an instance that writes the same flush again finds the same
 * rows. The other half, the ledger (schema, accounting, pruning keys), is each store's own.
 */
public abstract class SqlOutbox implements UsageStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqlOutbox.class);
    static final String ROW_COLUMNS =
            "row_key, customer_id, meter_api_name, dimensions, window_start, window_end, sum_value, record_count, min_value, max_value";
    private static final DateTimeFormatter FLUSH_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String ROW_TABLE = "(row_key VARCHAR(64) NOT NULL, customer_id VARCHAR(256) NOT NULL,"
            + " meter_api_name VARCHAR(256) NOT NULL, dimensions VARCHAR(200000) NOT NULL, window_start BIGINT NOT NULL,"
            + " window_end BIGINT NOT NULL, sum_value VARCHAR(2000) NOT NULL, record_count BIGINT NOT NULL,"
            + " min_value VARCHAR(2000) NOT NULL, max_value VARCHAR(2000) NOT NULL";
    /** exact decimals as their Java text: the same digits and scale come back */
    static final List<String> DDL = List.of(
            // opened_at: when the row got its first record, for the flush lag of late data
            "CREATE TABLE IF NOT EXISTS usage_open " + ROW_TABLE + ", opened_at BIGINT NOT NULL, PRIMARY KEY (row_key))",
            "CREATE TABLE IF NOT EXISTS usage_flush (flush_id VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " created_at BIGINT NOT NULL, written BOOLEAN NOT NULL)",
            "CREATE TABLE IF NOT EXISTS usage_flush_row (flush_id VARCHAR(64) NOT NULL, " + ROW_TABLE.substring(1)
                    + ", PRIMARY KEY (flush_id, row_key))",
            // the unwritten flushes (read every flush and every health check) without a scan of the
            // written ones kept for pruning (~14 days of them)
            "CREATE INDEX IF NOT EXISTS usage_flush_unwritten ON usage_flush (written, created_at)");

    final SqlTransactions transactions;
    final Windows windows;
    final Clock clock;

    SqlOutbox(SqlTransactions transactions, Windows windows, Clock clock) {
        this.transactions = transactions;
        this.windows = windows;
        this.clock = clock;
    }

    /**
     * Moves the open rows of closed windows (or all open rows, on shutdown) into a new flush of at most
     * {@code maxRows} rows, in one transaction. Returns its id, or null when there was nothing to flush.
     */
    @Override
    public String closeWindows(UsageStore.WindowsToClose which, int maxRows) {
        boolean all = which == UsageStore.WindowsToClose.ALL;
        return transactions.inTransaction(connection -> {
            long now = clock.millis();
            List<Map.Entry<String, UsageRow>> rows = new ArrayList<>();
            String where = all ? "" : " WHERE window_end <= ?";
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + ROW_COLUMNS + " FROM usage_open" + where + " ORDER BY row_key FETCH FIRST ? ROWS ONLY FOR UPDATE")) {
                if (!all) {
                    select.setLong(1, windows.closedBefore(now));
                }
                select.setInt(all ? 1 : 2, maxRows);
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
        return transactions.inTransaction(connection -> {
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
        transactions.inTransaction(connection -> update(connection, "UPDATE usage_flush SET written = TRUE WHERE flush_id = ?", flushId));
    }

    /** Creates the outbox's tables ({@link #DDL}), then the ledger's, in one transaction. */
    @Override
    public void createSchema() throws Exception {
        transactions.inTransaction(connection -> {
            refuseEarlierLayout(connection);
            try (Statement statement = connection.createStatement()) {
                for (String sql : DDL) {
                    statement.execute(sql);
                }
                for (String sql : ledgerTables()) {
                    statement.execute(sql);
                }
            }
            return null;
        });
    }

    /** The ledger's tables (message ids, dedup keys), created after the outbox's. */
    abstract List<String> ledgerTables();

    /** Throws a {@code StartupException} naming ingest.store.url when the schema holds a layout this version does not read. */
    void refuseEarlierLayout(Connection connection) throws SQLException {
    }

    /** Forgets the written flushes created before {@code before}; how many rows that deleted. */
    static int pruneWritten(Connection connection, long before) throws SQLException {
        return update(connection, "DELETE FROM usage_flush_row WHERE flush_id IN (SELECT flush_id FROM usage_flush"
                + " WHERE written = TRUE AND created_at < ?)", before)
                + update(connection, "DELETE FROM usage_flush WHERE written = TRUE AND created_at < ?", before);
    }

    /**
     * How long the oldest closed window has waited to reach S3: a closed window still open in the
     * store, or a flush not yet written. 0 when nothing is late.
     */
    @Override
    public long flushLagMillis() {
        return transactions.inTransaction(connection -> {
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
        return transactions.inTransaction(connection -> {
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

    static UsageRow row(ResultSet rs, int first) throws SQLException {
        return new UsageRow(rs.getString(first), rs.getString(first + 1), rs.getString(first + 2), rs.getLong(first + 3),
                rs.getLong(first + 4), new BigDecimal(rs.getString(first + 5)), rs.getLong(first + 6),
                new BigDecimal(rs.getString(first + 7)), new BigDecimal(rs.getString(first + 8)));
    }

    static void bindRow(PreparedStatement statement, int first, UsageRow row) throws SQLException {
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
}
