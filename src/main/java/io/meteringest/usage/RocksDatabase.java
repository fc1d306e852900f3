package io.meteringest.usage;

import static io.meteringest.usage.RocksBytes.longBytes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * {@link RocksUsageStore}'s opened database: its options (memory bounded by settings, not by the key
 * count), its column families, and the day families of remembered keys ({@code seen-yyyyMMdd}, with
 * their entry counts in {@code meta}), which retention drops whole. Every write that must survive a
 * crash goes through the synced WAL.
 */
final class RocksDatabase implements AutoCloseable {

    private static final List<String> FIXED = List.of("default", "open", "flushes", "flush-rows", "meta");
    private static final String SEEN = "seen-";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final long CACHE_BYTES = 64L << 20;
    private static final long MEMTABLE_BYTES = 64L << 20;

    static {
        RocksDB.loadLibrary();
    }

    // half the cache kept for index and filter blocks, so data blocks and memtables cannot push them out
    private final LRUCache cache = new LRUCache(CACHE_BYTES, -1, false, 0.5);
    private final WriteBufferManager writeBuffers = new WriteBufferManager(MEMTABLE_BYTES, cache);
    private final BloomFilter bloom = new BloomFilter(10);
    private final WriteOptions synced = new WriteOptions().setSync(true);
    private final ColumnFamilyOptions cfOptions;
    private final DBOptions dbOptions;
    private final RocksDB db;
    /** sorted by name (days in order); concurrent, since the store's unlocked readers look up families too */
    private final Map<String, ColumnFamilyHandle> families = new ConcurrentSkipListMap<>();

    RocksDatabase(Path folder) throws Exception {
        Files.createDirectories(folder);
        cfOptions = new ColumnFamilyOptions().setTableFormatConfig(new BlockBasedTableConfig()
                .setBlockCache(cache).setFilterPolicy(bloom).setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true).setPinL0FilterAndIndexBlocksInCache(true)
                // a lookup reads one 4 KiB filter and index partition, not a file's whole filter
                .setPartitionFilters(true).setIndexType(IndexType.kTwoLevelIndexSearch)
                .setMetadataBlockSize(4096).setPinTopLevelIndexAndFilter(true));
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(writeBuffers).setMaxOpenFiles(512).setKeepLogFileNum(3);
        List<String> names = new ArrayList<>(FIXED);
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            if (Files.exists(folder.resolve("CURRENT"))) {
                try (Options options = new Options()) {
                    for (byte[] name : RocksDB.listColumnFamilies(options, folder.toString())) {
                        String n = new String(name, StandardCharsets.UTF_8);
                        if (!names.contains(n)) {
                            names.add(n);
                        }
                    }
                }
            }
            List<ColumnFamilyDescriptor> descriptors = names.stream()
                    .map(n -> new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), cfOptions)).toList();
            db = RocksDB.open(dbOptions, folder.toString(), descriptors, handles);
        } catch (RocksDBException | RuntimeException e) {
            // e.g. the folder is locked by another process: give the options' native memory back
            closeOptions();
            throw e;
        }
        for (int i = 0; i < names.size(); i++) {
            families.put(names.get(i), handles.get(i));
        }
    }

    /** The live days, newest first: a duplicate is most likely recent. */
    List<ColumnFamilyHandle> seenDaysNewestFirst() {
        List<ColumnFamilyHandle> days = new ArrayList<>();
        families.forEach((name, handle) -> {
            if (name.startsWith(SEEN)) {
                days.add(0, handle);
            }
        });
        return days;
    }

    /** Which of {@code candidates} any of {@code days} holds: one multiGet per day for those not yet found. */
    Set<ByteBuffer> existing(List<ColumnFamilyHandle> days, List<byte[]> candidates) throws RocksDBException {
        Set<ByteBuffer> found = new HashSet<>();
        Map<ByteBuffer, byte[]> distinct = new LinkedHashMap<>();
        candidates.forEach(c -> distinct.put(ByteBuffer.wrap(c), c));
        List<byte[]> left = new ArrayList<>(distinct.values());
        for (ColumnFamilyHandle day : days) {
            if (left.isEmpty()) {
                break;
            }
            List<byte[]> values = db.multiGetAsList(Collections.nCopies(left.size(), day), left);
            List<byte[]> next = new ArrayList<>();
            for (int i = 0; i < left.size(); i++) {
                if (values.get(i) != null) {
                    found.add(ByteBuffer.wrap(left.get(i)));
                } else {
                    next.add(left.get(i));
                }
            }
            left = next;
        }
        return found;
    }

    /** Adds {@code keys} to the day of {@code now} in {@code write}, and to that day's count. */
    void remember(WriteBatch write, long now, List<byte[]> keys) throws RocksDBException {
        if (keys.isEmpty()) {
            return;
        }
        String name = SEEN + DAY.format(Instant.ofEpochMilli(now));
        ColumnFamilyHandle day = families.get(name);
        if (day == null) {
            day = db.createColumnFamily(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
            families.put(name, day);
        }
        for (byte[] key : keys) {
            write.put(day, key, new byte[0]);
        }
        write.put(family("meta"), name.getBytes(StandardCharsets.UTF_8), longBytes(count(name) + keys.size()));
    }

    /** Drops every day that ended at or before {@code before}; returns how many entries they held. */
    int dropDaysEndedBy(long before) throws RocksDBException {
        int dropped = 0;
        for (String name : List.copyOf(families.keySet())) {
            if (!name.startsWith(SEEN)) {
                continue;
            }
            long dayEnd = LocalDate.parse(name.substring(SEEN.length()), DateTimeFormatter.BASIC_ISO_DATE)
                    .plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            if (dayEnd <= before) {
                dropped += (int) count(name);
                ColumnFamilyHandle handle = families.remove(name);
                db.dropColumnFamily(handle);
                handle.close();
                db.delete(family("meta"), synced, name.getBytes(StandardCharsets.UTF_8));
            }
        }
        return dropped;
    }

    /** One of the {@link #FIXED} families. */
    ColumnFamilyHandle family(String name) {
        return families.get(name);
    }

    RocksIterator iterator(String family) {
        return db.newIterator(family(family));
    }

    List<byte[]> multiGet(String family, List<byte[]> keys) throws RocksDBException {
        return db.multiGetAsList(Collections.nCopies(keys.size(), family(family)), keys);
    }

    byte[] get(String family, byte[] key) throws RocksDBException {
        return db.get(family(family), key);
    }

    /** Writes {@code write} with a synced WAL: on disk when this returns. */
    void write(WriteBatch write) throws RocksDBException {
        db.write(synced, write);
    }

    void put(String family, byte[] key, byte[] value) throws RocksDBException {
        db.put(family(family), synced, key, value);
    }

    void delete(String family, byte[] key) throws RocksDBException {
        db.delete(family(family), synced, key);
    }

    void deleteRange(String family, byte[] from, byte[] to) throws RocksDBException {
        db.deleteRange(family(family), from, to);
    }

    private long count(String day) throws RocksDBException {
        byte[] value = db.get(family("meta"), day.getBytes(StandardCharsets.UTF_8));
        return value == null ? 0 : ByteBuffer.wrap(value).getLong();
    }

    @Override
    public void close() {
        families.values().forEach(ColumnFamilyHandle::close);
        families.clear();
        db.close();
        closeOptions();
    }

    private void closeOptions() {
        synced.close();
        dbOptions.close();
        cfOptions.close();
        writeBuffers.close();
        cache.close();
        bloom.close();
    }
}
