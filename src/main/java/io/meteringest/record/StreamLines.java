package io.meteringest.record;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Lines of a body streamed from a file (an Extended Client payload), each copied into one reused
 * buffer that grows to at most {@link #MAX_LINE_BYTES}, so memory stays bounded whatever the file's size.
 */
final class StreamLines extends BodyLines {

    /** longest NDJSON line read from a streamed body: a record with a maximal string and room around it */
    static final int MAX_LINE_BYTES = 4 * RecordJson.MAX_STRING_LENGTH;

    private final InputStream in;
    private boolean truncated;
    private boolean ended;

    StreamLines(InputStream in) {
        this.in = in;
        this.buffer = new byte[8192];
    }

    @Override
    boolean next() throws IOException {
        if (ended) {
            return false;
        }
        to = 0; // from stays 0: every line is copied to the buffer's start
        truncated = false;
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (to == buffer.length) {
                if (buffer.length >= MAX_LINE_BYTES) {
                    truncated = true;
                    continue; // skip the rest of an over-long line
                }
                buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, MAX_LINE_BYTES));
            }
            buffer[to++] = (byte) b;
        }
        if (b == -1) {
            ended = true;
            return to > 0 || truncated;
        }
        return true;
    }

    @Override
    boolean truncated() {
        return truncated;
    }

    @Override
    boolean reusesBuffer() {
        return true;
    }

    @Override
    void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a read-only file
        }
    }
}
