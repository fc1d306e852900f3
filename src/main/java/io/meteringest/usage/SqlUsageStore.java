package io.meteringest.usage;

import static io.meteringest.usage.SqlTransactions.update;

import io.meteringest.record.MeterRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The usage store in portable SQL ({@code jdbc:h2:file:...}, one instance): processed message ids,
 * seen record keys (hex SHA-256) and the poll's open-row sums, all changed in ONE transaction per poll,
 * with the open rows and flush outbox of {@link SqlOutbox}. Row locks are taken in key order; a
 * transaction that loses a race (unique key, lock timeout) is retried from the start
 * ({@link SqlTransactions}). PostgreSQL has its own ledger, {@link PostgresUsageStore}.
 */
public final class SqlUsageStore extends SqlOutbox {

    private static final int IN_CHUNK = 500;

    private final RecordKeys keys;
    private final Duration retention;

    public SqlUsageStore(DataSource dataSource, RecordKeys keys, Windows windows, Duration retention, Clock clock) {
        super(new SqlTransactions(dataSource), windows, clock);
        this.keys = keys;
        this.retention = retention;
    }

    @Override
    List<String> ledgerTables() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS processed_message (message_id VARCHAR(128) NOT NULL PRIMARY KEY,"
                        + " processed_at BIGINT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS seen_record (record_key VARCHAR(64) NOT NULL PRIMARY KEY, seen_at BIGINT NOT NULL)");
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
            return Accounting.NOTHING;
        }
        List<Accounting> results = transactions.inTransaction(connection -> {
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
        return UsageBatch.accounted(batches, results);
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

    /** Forgets record keys, message ids and written flushes older than {@code ingest.dedup.retention}. */
    @Override
    public int prune() {
        long before = clock.millis() - retention.toMillis();
        return transactions.inTransaction(connection ->
                update(connection, "DELETE FROM seen_record WHERE seen_at < ?", before)
                        + update(connection, "DELETE FROM processed_message WHERE processed_at < ?", before)
                        + SqlOutbox.pruneWritten(connection, before));
    }

    /**
     * Adds the message's per-row sums to the open rows: the existing ones locked and read in one
     * statement per chunk (key order), then one batched INSERT for new rows and one batched UPDATE;
     * a handful of statements per message however many rows it touches.
     */
    private void addToOpenRows(Connection connection, Map<String, UsageRow> deltas) throws SQLException {
        Map<String, UsageRow> current = new HashMap<>();
        selectIn(connection, "SELECT " + SqlOutbox.ROW_COLUMNS + " FROM usage_open WHERE row_key IN (%s) ORDER BY row_key FOR UPDATE",
                List.copyOf(deltas.keySet()), rs -> current.put(rs.getString(1), SqlOutbox.row(rs, 2)));
        try (PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO usage_open (" + SqlOutbox.ROW_COLUMNS + ", opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement update = connection.prepareStatement(
                     "UPDATE usage_open SET sum_value = ?, record_count = ?, min_value = ?, max_value = ? WHERE row_key = ?")) {
            for (Map.Entry<String, UsageRow> delta : deltas.entrySet()) {
                UsageRow existing = current.get(delta.getKey());
                if (existing == null) {
                    insert.setString(1, delta.getKey());
                    SqlOutbox.bindRow(insert, 2, delta.getValue());
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
}
