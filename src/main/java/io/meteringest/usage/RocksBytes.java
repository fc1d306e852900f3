package io.meteringest.usage;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The bytes {@link RocksUsageStore} keeps: key prefixes, flush states and open rows, as stored. */
final class RocksBytes {

    private RocksBytes() {
    }

    static byte[] prefixed(byte kind, String text) {
        return prefixed(kind, text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] prefixed(byte kind, byte[] bytes) {
        byte[] key = new byte[bytes.length + 1];
        key[0] = kind;
        System.arraycopy(bytes, 0, key, 1, bytes.length);
        return key;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    static byte[] longBytes(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    static byte[] flushState(long createdAt, boolean written) {
        return ByteBuffer.allocate(9).putLong(createdAt).put((byte) (written ? 1 : 0)).array();
    }

    /** An open row and when it got its first record (for the flush lag of late data), as stored. */
    record OpenRow(UsageRow row, long openedAt) {

        byte[] bytes() {
            byte[] row = rowBytes(this.row);
            return ByteBuffer.allocate(row.length + 8).put(row).putLong(openedAt).array();
        }

        static OpenRow read(byte[] bytes) {
            return new OpenRow(readRow(bytes), openedAt(bytes));
        }

        static long openedAt(byte[] bytes) {
            return ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
        }

        /** Six length-prefixed UTF-8 texts, then windowStart, windowEnd and count (the row after it is ignored). */
        static byte[] rowBytes(UsageRow row) {
            byte[][] texts = {utf8(row.customerId()), utf8(row.meterApiName()), utf8(row.dimensionsJson()),
                    utf8(row.sum().toString()), utf8(row.min().toString()), utf8(row.max().toString())};
            int size = 24;
            for (byte[] text : texts) {
                size += 4 + text.length;
            }
            ByteBuffer out = ByteBuffer.allocate(size);
            for (byte[] text : texts) {
                out.putInt(text.length).put(text);
            }
            return out.putLong(row.windowStart()).putLong(row.windowEnd()).putLong(row.count()).array();
        }

        static UsageRow readRow(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            String[] text = new String[6];
            for (int i = 0; i < text.length; i++) {
                int length = in.getInt();
                text[i] = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
                in.position(in.position() + length);
            }
            long windowStart = in.getLong();
            long windowEnd = in.getLong();
            long count = in.getLong();
            return new UsageRow(text[0], text[1], text[2], windowStart, windowEnd, new BigDecimal(text[3]), count,
                    new BigDecimal(text[4]), new BigDecimal(text[5]));
        }

        static byte[] utf8(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
