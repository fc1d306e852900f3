package io.meteringest.usage;

import static io.meteringest.usage.RocksBytes.prefixed;

import io.meteringest.StartupException;
import io.meteringest.record.MeterRecord;
import io.meteringest.usage.RocksBytes.OpenRow;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The usage store for one instance ({@code ingest.store.url=rocksdb:<folder>}), made for per-record
 * dedup: a poll is ONE RocksDB WriteBatch written with a synced WAL (on disk before the poll's
 * messages are deleted). Column families:
 * <ul>
 *   <li>{@code seen-yyyyMMdd}: one per arrival day (UTC), the 16-byte digests of accepted record keys
 *       ({@code k}) and the accounted message ids ({@code m}); retention drops whole days, and a key is
 *       looked up in the live days, newest first, behind their bloom filters;</li>
 *   <li>{@code open}: open rows by window end then row digest, so closing windows reads only closed rows;</li>
 *   <li>{@code flushes} and {@code flush-rows}: the outbox ({@link RocksOutbox}), rows kept until pruned (as in SQL);</li>
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

    private static final byte KEY = 'k';
    private static final byte MESSAGE = 'm';

    private final Path folder;
    private final RecordKeys keys;
    private final Windows windows;
    private final Duration retention;
    private final Clock clock;
    private volatile RocksDatabase db;
    private volatile RocksOutbox outbox;

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
            try {
                db = new RocksDatabase(folder);
            } catch (RocksDBException e) {
                if (String.valueOf(e.getMessage()).contains("lock")) {
                    throw new StartupException("ingest.store.url: the RocksDB folder " + folder.toAbsolutePath()
                            + " is in use by another process (one process per folder); give this instance a folder of"
                            + " its own, or point every instance at one PostgreSQL database");
                }
                throw e;
            }
            outbox = new RocksOutbox(db, windows, clock);
        }
    }

    /**
     * The keys are made before the lock (their SHA-256 was over half of this method's CPU in a profile of A), so consumers make
     * theirs in parallel; the lookups, the merge and the synced write are one critical section.
     */
    @Override
    public Accounting account(List<UsageBatch> batches) {
        if (batches.isEmpty()) {
            return Accounting.NOTHING;
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
        try {
            return outbox.closeWindows(which, maxRows);
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Flush> pendingFlushes() {
        return outbox.pendingFlushes();
    }

    @Override
    public synchronized void markWritten(String flushId) {
        try {
            outbox.markWritten(flushId);
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    /** Drops the days of keys and message ids older than the retention, and written flushes as old. */
    @Override
    public synchronized int prune() {
        long before = clock.millis() - retention.toMillis();
        try {
            return db.dropDaysEndedBy(before) + outbox.prune(before);
        } catch (RocksDBException e) {
            throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public long flushLagMillis() {
        long now = clock.millis();
        return now - Math.min(outbox.oldestDueOpenRow(now), outbox.oldestUnwritten(now));
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
            outbox = null;
        }
    }

    private byte[] openKey(UsageRow row) {
        byte[] digest = RecordKeys.rowDigest(row.customerId(), row.meterApiName(), row.dimensionsJson(), row.windowStart());
        return ByteBuffer.allocate(8 + digest.length).putLong(row.windowEnd()).put(digest).array();
    }
}
