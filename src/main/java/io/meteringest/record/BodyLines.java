package io.meteringest.record;

import java.io.IOException;

/**
 * The lines of an NDJSON body, one at a time: bytes {@code [from, to)} of {@code buffer()}, without
 * the '\n'. {@link MemoryLines} reads a body in memory, {@link StreamLines} one streamed from a file.
 */
abstract class BodyLines {

    /** set by {@link #next()} for the line it read */
    byte[] buffer;
    int from;
    int to;

    /** Reads the next line; false at the end of the body. */
    abstract boolean next() throws IOException;

    final byte[] buffer() {
        return buffer;
    }

    final int from() {
        return from;
    }

    final int to() {
        return to;
    }

    /** the line was longer than the buffer may grow; only its start is in it */
    boolean truncated() {
        return false;
    }

    /** the next line overwrites this one's bytes */
    boolean reusesBuffer() {
        return false;
    }

    void close() {
    }

    /** JSON's whitespace (blank lines and padding are these). */
    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /** The first index in {@code [from, to)} that is not whitespace, or {@code to}. */
    static int skipWhitespace(byte[] body, int from, int to) {
        int i = from;
        while (i < to && isWhitespace(body[i])) {
            i++;
        }
        return i;
    }
}
