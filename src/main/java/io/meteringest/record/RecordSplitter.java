package io.meteringest.record;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Splits a message body into {@link RecordItem}s for {@code MessageValidator} (route {@code ingest-validate}),
 * one record in memory at a time, reading it by its first non-blank byte
 * as a JSON array ({@link ArrayRecords}) or as NDJSON or a single object ({@link NdjsonRecords}).
 */
public final class RecordSplitter {

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    /** how far a streamed body is looked into for its first non-blank byte */
    private static final int PEEK_LIMIT = 1 << 16;
    private static final String EMPTY = "body: is empty, expected a JSON array, NDJSON or a JSON object";

    private final RecordJson json;
    private final boolean readFields;

    public RecordSplitter() {
        this(new RecordJson());
    }

    public RecordSplitter(RecordJson json) {
        this(json, true);
    }

    /**
     * @param readFields read NDJSON records straight into their fields (falling back to a tree for
     *                   anything unusual); false reads every record as a tree, for tests comparing both
     */
    RecordSplitter(RecordJson json, boolean readFields) {
        this.json = json;
        this.readFields = readFields;
    }

    public Iterator<RecordItem> split(String body) {
        return split(body.getBytes(StandardCharsets.UTF_8));
    }

    public Iterator<RecordItem> split(byte[] body) {
        int start = startsWithBom(body) ? UTF8_BOM.length : 0;
        int first = BodyLines.skipWhitespace(body, start, body.length);
        if (first == body.length) {
            return empty();
        }
        if (body[first] == '[') {
            return new ArrayRecords(json, () -> json.treeFactory().createParser(body, first, body.length - first));
        }
        return ndjson(new MemoryLines(body, start));
    }

    /**
     * The same for a body in a file (an Extended Client payload), read as a stream: memory stays at
     * one record (or one NDJSON line, at most {@link StreamLines#MAX_LINE_BYTES}) whatever the file's size.
     */
    public Iterator<RecordItem> split(File body) throws IOException {
        InputStream in = new BufferedInputStream(new FileInputStream(body), 1 << 16);
        in.mark(UTF8_BOM.length);
        if (!Arrays.equals(in.readNBytes(UTF8_BOM.length), UTF8_BOM)) {
            in.reset();
        }
        in.mark(PEEK_LIMIT);
        int first = in.read();
        int blanks = 0;
        while (BodyLines.isWhitespace(first) && blanks < PEEK_LIMIT - 1) {
            blanks++;
            first = in.read();
        }
        in.reset();
        if (first == -1) {
            in.close();
            return empty();
        }
        if (first == '[') {
            in.skipNBytes(blanks); // as split(byte[]) does: an array's positions count from its '['
            return new ArrayRecords(json, () -> json.treeFactory().createParser(in));
        }
        return ndjson(new StreamLines(in));
    }

    private Iterator<RecordItem> ndjson(BodyLines lines) {
        return new NdjsonRecords(lines, readFields ? new FieldReader(json.fieldsFactory()) : null, json);
    }

    private static Iterator<RecordItem> empty() {
        return List.of(RecordItem.unreadable(-1, null, null, EMPTY)).iterator();
    }

    private static boolean startsWithBom(byte[] body) {
        return body.length >= UTF8_BOM.length && Arrays.equals(body, 0, UTF8_BOM.length, UTF8_BOM, 0, UTF8_BOM.length);
    }
}
