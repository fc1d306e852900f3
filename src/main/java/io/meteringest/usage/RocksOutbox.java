package io.meteringest.usage;

import static io.meteringest.usage.RocksBytes.concat;
import static io.meteringest.usage.RocksBytes.flushState;
import static io.meteringest.usage.RocksBytes.startsWith;

import io.meteringest.usage.RocksBytes.OpenRow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB store's flush outbox: closing windows moves their open rows into a flush
 * ({@code flushes}: id -> created-at and written flag; {@code flush-rows}: id + row digest -> row),
 * kept after it is written until pruned. The unwritten flushes are also indexed in memory, read from
 * {@code flushes} once at open: finding what to write (every flush) and the flush lag (every health
 * check) then cost the unwritten flushes only, not the ~14 days of written ones kept for pruning.
 * The database is locked to one process (its LOCK file), so no other writer can change the flushes behind the index.
 * Writers are called under the store's lock; readers take none (a RocksDB iterator is a snapshot).
 */
final class RocksOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(RocksOutbox.class);
    private static final DateTimeFormatter FLUSH_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final RocksDatabase db;
    private final Windows windows;
    private final Clock clock;
    /** unwritten flush id -> created at */
    private final Map<String, Long> unwritten = new ConcurrentHashMap<>();

    RocksOutbox(RocksDatabase db, Windows windows, Clock clock) {
        this.db = db;
        this.windows = windows;
        this.clock = clock;
        try (RocksIterator flushes = db.iterator("flushes")) {
            for (flushes.seekToFirst(); flushes.isValid(); flushes.next()) {
                ByteBuffer state = ByteBuffer.wrap(flushes.value());
                long createdAt = state.getLong();
                if (state.get() == 0) {
                    unwritten.put(new String(flushes.key(), StandardCharsets.UTF_8), createdAt);
                }
            }
        }
    }

    /** See {@link UsageStore#closeWindows}; under the store's lock. */
    String closeWindows(UsageStore.WindowsToClose which, int maxRows) throws RocksDBException {
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
            unwritten.put(flushId, now);
            LOG.info("flush {}: {} usage row(s) closed", flushId, rows);
            return flushId;
        }
    }

    /** See {@link UsageStore#pendingFlushes}. */
    List<Flush> pendingFlushes() {
        List<Flush> pending = new ArrayList<>();
        for (Map.Entry<String, Long> flush : Map.copyOf(unwritten).entrySet()) {
            List<UsageRow> rows = flushRows(flush.getKey());
            if (!rows.isEmpty()) {
                pending.add(new Flush(flush.getKey(), flush.getValue(), List.copyOf(rows)));
            }
        }
        pending.sort(Comparator.comparingLong(Flush::createdAt).thenComparing(Flush::id));
        return pending;
    }

    /** See {@link UsageStore#markWritten}; under the store's lock. */
    void markWritten(String flushId) throws RocksDBException {
        byte[] key = flushId.getBytes(StandardCharsets.UTF_8);
        byte[] state = db.get("flushes", key);
        if (state != null) {
            db.put("flushes", key, flushState(ByteBuffer.wrap(state).getLong(), true));
        }
        unwritten.remove(flushId);
    }

    /** Drops the written flushes created before {@code before}; returns how many records (flushes and rows) went. */
    int prune(long before) throws RocksDBException {
        List<byte[]> old = new ArrayList<>();
        try (RocksIterator flushes = db.iterator("flushes")) {
            for (flushes.seekToFirst(); flushes.isValid(); flushes.next()) {
                ByteBuffer state = ByteBuffer.wrap(flushes.value());
                if (state.getLong() < before && state.get() != 0) {
                    old.add(flushes.key());
                }
            }
        }
        int forgotten = 0;
        for (byte[] id : old) {
            forgotten += flushRows(new String(id, StandardCharsets.UTF_8)).size() + 1;
            db.deleteRange("flush-rows", concat(id, new byte[] {0}), concat(id, new byte[] {1}));
            db.delete("flushes", id);
        }
        return forgotten;
    }

    /** When the oldest unwritten flush was made, or {@code now} when there is none. */
    long oldestUnwritten(long now) {
        return unwritten.values().stream().mapToLong(Long::longValue).min().orElse(now);
    }

    /** The due open rows' oldest due time, or {@code now}: a row is due at window end + grace, or when opened if later. */
    long oldestDueOpenRow(long now) {
        long oldest = now;
        long closedBefore = windows.closedBefore(now);
        try (RocksIterator it = db.iterator("open")) {
            for (it.seekToFirst(); it.isValid() && ByteBuffer.wrap(it.key()).getLong() <= closedBefore; it.next()) {
                long windowEnd = ByteBuffer.wrap(it.key()).getLong();
                oldest = Math.min(oldest, Math.max(windowEnd + windows.graceMillis(), OpenRow.openedAt(it.value())));
            }
        }
        return oldest;
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
}
