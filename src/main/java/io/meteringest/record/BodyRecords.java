package io.meteringest.record;

import java.io.Closeable;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The items of one body, read lazily ({@link ArrayRecords}, {@link NdjsonRecords}); {@code read()}
 * returns null at the end. Closeable, so that a split cut short (Camel closes the iterator) releases
 * its parser or file at once; closing twice is fine.
 */
abstract class BodyRecords implements Iterator<RecordItem>, Closeable {

    /** more in one message is a body error: bounds the work one message can cause */
    static final int MAX_RECORDS = 100_000;

    private RecordItem next;
    private boolean finished;
    private int items;

    abstract RecordItem read();

    @Override
    public void close() {
    }

    @Override
    public boolean hasNext() {
        if (next == null && !finished) {
            next = ++items > MAX_RECORDS
                    ? RecordItem.unreadable(-1, null, null, "body: more than " + MAX_RECORDS
                            + " records in one message; the rest of the body is not read")
                    : read();
            if (next == null || next.index() < 0) {
                finished = true;
                close();
            }
        }
        return next != null;
    }

    @Override
    public RecordItem next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RecordItem item = next;
        next = null;
        return item;
    }

    /** Jackson's message without its byte offset, which counts from wherever its buffer starts. */
    static String withoutByteOffset(IOException e) {
        return String.valueOf(e.getMessage()).replaceAll(", byte #\\d+", "");
    }
}
