package io.meteringest.usage;

import static io.meteringest.usage.RocksBytes.concat;
import static io.meteringest.usage.RocksBytes.flushState;
import static io.meteringest.usage.RocksBytes.prefixed;
import static io.meteringest.usage.RocksBytes.startsWith;

import io.meteringest.record.MeterRecord;
import io.meteringest.usage.RocksBytes.OpenRow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage store for one instance ({@code ingest.store.url=rocksdb:<folder>}), made for per-record
 * dedup: a poll is ONE RocksDB WriteBatch written with a synced WAL (on disk before the poll's
 * messages are deleted). Column families:
 * <ul>
 *   <li>{@code seen-yyyyMMdd}: one per arrival day (UTC), the 16-byte digests of accepted record keys
 *       ({@code k}) and the accounted message ids ({@code m}); retention drops whole days, and a key is
 *       looked up in the live days, newest first, behind their bloom filters;</li>
 *   <li>{@code open}: open rows by window end then row digest, so closing windows reads only closed rows;</li>
 *   <li>{@code flushes} and {@code flush-rows}: the outbox, rows kept until pruned (as in SQL);</li>
 *   <li>{@code meta}: entries per day, so pruning can say how much it forgot.</li>
 * </ul>
 * The database itself, its options and its day families are {@link RocksDatabase}.
 * One writer at a time: {@code account} (a poll's lookups and its write), {@code closeWindows},
 * {@code markWritten} and {@code prune} are each one critical section. The readers of the outbox and
 * of open rows ({@code pendingFlushes}, {@code openRows}, {@code flushLagMillis}) take no lock, so
 * writing a 100k-row flush to S3 does not hold up the polls' commits (it held them for ~3 s on A): a
 * RocksDB iterator reads one consistent snapshot, and a flush's rows never change once written.
 */
public final class RocksUsageStore implements UsageStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RocksUsageStore.class);
    private static final DateTimeFormatter FLUSH_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final byte KEY = 'k';
    private static final byte MESSAGE = 'm';

    private final Path folder;
    private final RecordKeys keys;
    private final Windows windows;
    private final Duration retention;
    private final Clock clock;
    private volatile RocksDatabase db;

    public RocksUsageStore(Path folder, RecordKeys keys, Windows windows, Duration retention, Clock clock) {
        this.folder = folder.toAbsolutePath();
        this.keys = keys;
        this.windows = windows;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public synchronized void createSchema() throws Exception {
        if (db == null) {
            db = new RocksDatabase(folder);
        }
    }

    /**
     * The keys are made before the lock (their SHA-256 was over half of this method's CPU in a profile of A), so consumers make
     * theirs in parallel; the lookups, the merge and the synced write are one critical section.
     */
    @Override
    public Accounting account(List<UsageBatch> batches) {
        if (batches.isEmpty()) {
            return new Accounting(false, 0, 0);
        }
        List<Keyed> keyed = keyed(batches);
        synchronized (this) {
            return account(batches, keyed);
        }
    }

    /** A batch with its message key, and per record its dedup key (or null), usage row and open-row key. */
    private record Keyed(byte[] message, List<byte[]> dedup, List<UsageRow> rows, List<ByteBuffer> rowKeys) { }

    private List<Keyed> keyed(List<UsageBatch> batches) {
        // a row's key once per poll, not once per record
        Map<UsageRow.Id, ByteBuffer> rowKeys = new HashMap<>();
        List<Keyed> keyed = new ArrayList<>(batches.size());
        for (UsageBatch batch : batches) {
            List<MeterRecord> records = batch.records();
            Keyed one = new Keyed(prefixed(MESSAGE, batch.messageId()), new ArrayList<>(records.size()),
                    new ArrayList<>(records.size()), new ArrayList<>(records.size()));
            for (MeterRecord record : records) {
                String dims = RecordKeys.dimensionsJson(record.dimensions());
                byte[] digest = keys.dedupDigest(record, dims);
                one.dedup().add(digest == null ? null : prefixed(KEY, digest));
                UsageRow row = UsageRow.of(record, dims, windows);
                one.rows().add(row);
                one.rowKeys().add(rowKeys.computeIfAbsent(row.id(), id -> ByteBuffer.wrap(openKey(row))));
            }
            keyed.add(one);
        }
        return keyed;
    }


    private Accounting account(List<UsageBatch> batches, List<Keyed> keyed) {
        try {
            long now = clock.millis();
            List<ColumnFamilyHandle> days = db.seenDaysNewestFirst();
            Set<ByteBuffer> processed = db.existing(days, keyed.stream().map(Keyed::message).toList());
            List<byte[]> candidates = new ArrayList<>();
            for (Keyed batch : keyed) {
                if (!processed.contains(ByteBuffer.wrap(batch.message()))) {
                    batch.dedup().stream().filter(java.util.Objects::nonNull).forEach(candidates::add);
                }
            }
            Set<ByteBuffer> seen = db.existing(days, candidates);
            Map<ByteBuffer, UsageRow> deltas = new LinkedHashMap<>();
            List<byte[]> written = new ArrayList<>();
            List<Accounting> results = new ArrayList<>();
            for (Keyed batch : keyed) {
                if (!processed.add(ByteBuffer.wrap(batch.message()))) {
                    results.add(new Accounting(true, 0, 0));
                    continue;
                }
                written.add(batch.message());
                int duplicates = 0;
                for (int r = 0; r < batch.rows().size(); r++) {
                    byte[] key = batch.dedup().get(r);
                    if (key != null && !seen.add(ByteBuffer.wrap(key))) {
                        duplicates++;
                        continue;
                    }
                    if (key != null) {
                        written.add(key);
                    }
                    deltas.merge(batch.rowKeys().get(r), batch.rows().get(r), UsageRow::plus);
                }
                results.add(new Accounting(false, batch.rows().size() - duplicates, duplicates));
            }
            try (WriteBatch write = new WriteBatch()) {
                db.remember(write, now, written);
                addToOpenRows(write, deltas, now);
                db.write(write);
            }
            return UsageBatch.accounted(batches, results);
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    private void addToOpenRows(WriteBatch write, Map<ByteBuffer, UsageRow> deltas, long now) throws RocksDBException {
        if (deltas.isEmpty()) {
            return;
        }
        List<byte[]> rowKeys = deltas.keySet().stream().map(ByteBuffer::array).toList();
        ColumnFamilyHandle open = db.family("open");
        List<byte[]> current = db.multiGet("open", rowKeys);
        int i = 0;
        for (Map.Entry<ByteBuffer, UsageRow> delta : deltas.entrySet()) {
            byte[] existing = current.get(i++);
            UsageRow row = delta.getValue();
            long openedAt = now;
            if (existing != null) {
                OpenRow stored = OpenRow.read(existing);
                row = UsageRow.plus(stored.row(), row);
                openedAt = stored.openedAt();
            }
            write.put(open, delta.getKey().array(), new OpenRow(row, openedAt).bytes());
        }
    }

    @Override
    public synchronized String closeWindows(UsageStore.WindowsToClose which, int maxRows) {
        boolean all = which == UsageStore.WindowsToClose.ALL;
        long now = clock.millis();
        long closedBefore = windows.closedBefore(now);
        try (RocksIterator it = db.iterator("open"); WriteBatch write = new WriteBatch()) {
            String flushId = FLUSH_ID.format(Instant.ofEpochMilli(now)) + "-" + UUID.randomUUID().toString().substring(0, 8);
            byte[] prefix = (flushId + "\0").getBytes(StandardCharsets.UTF_8);
            int rows = 0;
            for (it.seekToFirst(); it.isValid() && rows < maxRows; it.next()) {
                byte[] key = it.key();
                if (!all && ByteBuffer.wrap(key).getLong() > closedBefore) {
                    break;
                }
                // the open row's bytes without its openedAt: no decoding
                byte[] open = it.value();
                write.put(db.family("flush-rows"), concat(prefix, Arrays.copyOfRange(key, 8, key.length)),
                        Arrays.copyOf(open, open.length - 8));
                write.delete(db.family("open"), key);
                rows++;
            }
            if (rows == 0) {
                return null;
            }
            write.put(db.family("flushes"), flushId.getBytes(StandardCharsets.UTF_8), flushState(now, false));
            db.write(write);
            LOG.info("flush {}: {} usage row(s) closed", flushId, rows);
            return flushId;
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Flush> pendingFlushes() {
        List<Flush> pending = new ArrayList<>();
        try (RocksIterator flushes = db.iterator("flushes")) {
            for (flushes.seekToFirst(); flushes.isValid(); flushes.next()) {
                ByteBuffer state = ByteBuffer.wrap(flushes.value());
                long createdAt = state.getLong();
                if (state.get() != 0) {
                    continue;
                }
                String id = new String(flushes.key(), StandardCharsets.UTF_8);
                List<UsageRow> rows = flushRows(id);
                if (!rows.isEmpty()) {
                    pending.add(new Flush(id, createdAt, List.copyOf(rows)));
                }
            }
        }
        pending.sort(Comparator.comparingLong(Flush::createdAt).thenComparing(Flush::id));
        return pending;
    }

    private List<UsageRow> flushRows(String id) {
        byte[] prefix = (id + "\0").getBytes(StandardCharsets.UTF_8);
        List<UsageRow> rows = new ArrayList<>();
        try (RocksIterator it = db.iterator("flush-rows")) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                rows.add(OpenRow.readRow(it.value()));
            }
        }
        rows.sort(UsageRow.ORDER);
        return rows;
    }

    @Override
    public synchronized void markWritten(String flushId) {
        try {
            byte[] key = flushId.getBytes(StandardCharsets.UTF_8);
            byte[] state = db.get("flushes", key);
            if (state != null) {
                db.put("flushes", key, flushState(ByteBuffer.wrap(state).getLong(), true));
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    /** Drops the days of keys and message ids older than the retention, and written flushes as old. */
    @Override
    public synchronized int prune() {
        long before = clock.millis() - retention.toMillis();
        int forgotten = 0;
        try {
            forgotten += db.dropDaysEndedBy(before);
            List<byte[]> old = new ArrayList<>();
            try (RocksIterator flushes = db.iterator("flushes")) {
                for (flushes.seekToFirst(); flushes.isValid(); flushes.next()) {
                    ByteBuffer state = ByteBuffer.wrap(flushes.value());
                    if (state.getLong() < before && state.get() != 0) {
                        old.add(flushes.key());
                    }
                }
            }
            for (byte[] id : old) {
                forgotten += flushRows(new String(id, StandardCharsets.UTF_8)).size() + 1;
                db.deleteRange("flush-rows", concat(id, new byte[] {0}), concat(id, new byte[] {1}));
                db.delete("flushes", id);
            }
            return forgotten;
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public long flushLagMillis() {
        long now = clock.millis();
        long oldest = now;
        long closedBefore = windows.closedBefore(now);
        try (RocksIterator it = db.iterator("open")) {
            for (it.seekToFirst(); it.isValid() && ByteBuffer.wrap(it.key()).getLong() <= closedBefore; it.next()) {
                long windowEnd = ByteBuffer.wrap(it.key()).getLong();
                byte[] open = it.value();
                oldest = Math.min(oldest, Math.max(windowEnd + windows.graceMillis(), OpenRow.openedAt(open)));
            }
        }
        try (RocksIterator flushes = db.iterator("flushes")) {
            for (flushes.seekToFirst(); flushes.isValid(); flushes.next()) {
                ByteBuffer state = ByteBuffer.wrap(flushes.value());
                long createdAt = state.getLong();
                if (state.get() == 0) {
                    oldest = Math.min(oldest, createdAt);
                }
            }
        }
        return now - oldest;
    }

    @Override
    public List<UsageRow> openRows() {
        List<UsageRow> rows = new ArrayList<>();
        try (RocksIterator it = db.iterator("open")) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                rows.add(OpenRow.read(it.value()).row());
            }
        }
        rows.sort(UsageRow.ORDER);
        return rows;
    }

    @Override
    public synchronized void close() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    private byte[] openKey(UsageRow row) {
        byte[] digest = RecordKeys.rowDigest(row.customerId(), row.meterApiName(), row.dimensionsJson(), row.windowStart());
        return ByteBuffer.allocate(8 + digest.length).putLong(row.windowEnd()).put(digest).array();
    }
}
