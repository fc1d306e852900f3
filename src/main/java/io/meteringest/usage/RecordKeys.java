package io.meteringest.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meteringest.record.MeterRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SortedMap;

/**
 * The keys exact accounting is built on: a record's dedup key (per {@code ingest.dedup.mode}) and a
 * rollup row's key. Both are SHA-256 of a canonical form, so dimension order, {@code 5} vs
 * {@code 5.0} and the JSON layout never make two equal things different.
 */
public final class RecordKeys {

    /** {@code ingest.dedup.mode} */
    public enum DedupMode { CONTENT, UNIQUE_ID }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** one per thread: no provider lookup per key */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });
    private final DedupMode mode;

    public RecordKeys(DedupMode mode) {
        this.mode = mode;
    }

    public static DedupMode mode(String value) {
        return switch (value.trim()) {
            case "content" -> DedupMode.CONTENT;
            case "unique-id" -> DedupMode.UNIQUE_ID;
            default -> throw new io.meteringest.StartupException(
                    "ingest.dedup.mode: must be 'content' or 'unique-id', was '" + value + "'");
        };
    }

    /** The record's dedup key, or null when it is not deduplicated (unique-id mode, no uniqueId). */
    public String dedupKey(MeterRecord record) {
        if (record.uniqueId() != null) {
            return sha256("u", record.uniqueId());
        }
        if (mode == DedupMode.UNIQUE_ID) {
            return null;
        }
        return sha256("c", record.customerId(), record.meterApiName(), canonical(record.meterValue()),
                Long.toString(record.meterTimeInMillis()), dimensionsJson(record.dimensions()));
    }

    /** The dedup key as 16 bytes (the first 128 bits of the same SHA-256), or null as above: the store's form. */
    public byte[] dedupDigest(MeterRecord record) {
        return dedupDigest(record, dimensionsJson(record.dimensions()));
    }

    /** As {@link #dedupDigest(MeterRecord)}, with the record's {@link #dimensionsJson} already made. */
    public byte[] dedupDigest(MeterRecord record, String dimensionsJson) {
        if (record.uniqueId() != null) {
            return java.util.Arrays.copyOf(digest("u", record.uniqueId()), 16);
        }
        if (mode == DedupMode.UNIQUE_ID) {
            return null;
        }
        return java.util.Arrays.copyOf(digest("c", record.customerId(), record.meterApiName(), canonical(record.meterValue()),
                Long.toString(record.meterTimeInMillis()), dimensionsJson), 16);
    }

    /** The row key as 16 bytes (first 128 bits of its SHA-256). */
    public static byte[] rowDigest(String customerId, String meterApiName, String dimensionsJson, long windowStart) {
        return java.util.Arrays.copyOf(digest("r", customerId, meterApiName, dimensionsJson, Long.toString(windowStart)), 16);
    }

    /** Key of the rollup row a record adds to: customer, meter, dimensions and window. */
    public static String rowKey(String customerId, String meterApiName, String dimensionsJson, long windowStart) {
        return sha256("r", customerId, meterApiName, dimensionsJson, Long.toString(windowStart));
    }

    /** Dimensions as compact JSON with sorted keys: the stored and compared form. */
    public static String dimensionsJson(SortedMap<String, String> dimensions) {
        try {
            return JSON.writeValueAsString(dimensions);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 5, 5.0 and 5.00 are one value. */
    static String canonical(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toString();
    }

    private static String sha256(String kind, String... parts) {
        return HexFormat.of().formatHex(digest(kind, parts));
    }

    private static byte[] digest(String kind, String... parts) {
        MessageDigest digest = SHA_256.get();
        digest.update(kind.getBytes(StandardCharsets.UTF_8));
        for (String part : parts) {
            // length-prefixed, so ("ab","c") and ("a","bc") differ
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) ':');
            digest.update(bytes);
        }
        return digest.digest(); // digest() also resets it for the thread's next key
    }
}
