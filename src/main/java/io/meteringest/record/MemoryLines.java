package io.meteringest.record;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Lines of a body in memory, found 8 bytes at a time and never copied; used by {@link RecordSplitter}. */
final class MemoryLines extends BodyLines {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    private int pos;

    MemoryLines(byte[] body, int offset) {
        this.buffer = body;
        this.pos = offset;
    }

    @Override
    boolean next() {
        if (pos >= buffer.length) {
            return false;
        }
        from = pos;
        to = indexOfNewline(buffer, pos);
        pos = to + 1;
        return true;
    }

    /** Where the next '\n' is, else {@code body.length}; 8 bytes at a time (byte by byte, this scan is a tenth of the split's time). */
    static int indexOfNewline(byte[] body, int from) {
        int i = from;
        for (; i + Long.BYTES <= body.length; i += Long.BYTES) {
            long word = (long) LONGS.get(body, i) ^ NEWLINES; // a '\n' byte becomes 0
            long zeros = (word - 0x0101010101010101L) & ~word & 0x8080808080808080L; // lowest flag = first 0 byte
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < body.length; i++) {
            if (body[i] == '\n') {
                return i;
            }
        }
        return body.length;
    }
}
