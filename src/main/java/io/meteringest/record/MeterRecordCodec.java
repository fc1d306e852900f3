package io.meteringest.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Splits a message body into {@link RecordItem}s with Jackson's streaming parser: a JSON array,
 * NDJSON (blank lines ignored, LF or CRLF) or a single object. Only one record at a time is held
 * as a tree, never the whole body. Used by the {@code ingest-validate} route's split.
 */
public final class MeterRecordCodec {

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** Limits that keep a hostile body from costing unbounded memory or CPU; each hit is a rejection reason. */
    public static final int MAX_NESTING_DEPTH = 32;
    public static final int MAX_STRING_LENGTH = 1 << 20;
    public static final int MAX_NUMBER_LENGTH = 1000;
    public static final int MAX_RECORDS = 100_000;
    /** longest NDJSON line read from a streamed body: a record with a maximal string and room around it */
    public static final int MAX_LINE_BYTES = 4 * MAX_STRING_LENGTH;
    /** how far a streamed body is looked into for its first non-blank byte */
    private static final int PEEK_LIMIT = 1 << 16;

    private final ObjectMapper mapper;
    private final JsonFactory factory;
    /** same limits, without Jackson's duplicate detection: {@link #readFields} finds repeats itself */
    private final JsonFactory fieldsFactory;
    private final boolean readFields;

    public MeterRecordCodec() {
        this(true);
    }

    /**
     * @param readFields read NDJSON records straight into their fields (falling back to a tree for
     *                   anything unusual); false reads every record as a tree, for tests comparing both
     */
    MeterRecordCodec(boolean readFields) {
        this.readFields = readFields;
        JsonFactory limited = limitedFactory();
        this.fieldsFactory = limitedFactory();
        this.mapper = JsonMapper.builder(limited)
                // exact decimals: 0.1 stays 0.1, 5.0 keeps its scale; billing sums must not drift
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                // {"meterValue":1,"meterValue":1000} is ambiguous: reject rather than pick one
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.factory = mapper.getFactory();
    }

    private static JsonFactory limitedFactory() {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .build();
    }

    /** The mapper the codec reads with; also used to write reports, so numbers round-trip. */
    public ObjectMapper mapper() {
        return mapper;
    }

    public Iterator<RecordItem> split(String body) {
        return split(body.getBytes(StandardCharsets.UTF_8));
    }

    public Iterator<RecordItem> split(byte[] body) {
        int start = startsWith(body, UTF8_BOM) ? UTF8_BOM.length : 0;
        int first = skipWhitespace(body, start, body.length);
        if (first == body.length) {
            return java.util.List.of(RecordItem.unreadable(-1, null, null,
                    "body: is empty, expected a JSON array, NDJSON or a JSON object")).iterator();
        }
        return body[first] == '[' ? new ArrayRecords(body, first) : new NdjsonRecords(new ArrayLines(body, start));
    }

    /**
     * The same for a body in a file (an Extended Client payload), read as a stream: memory stays at
     * one record (or one NDJSON line, at most {@link #MAX_LINE_BYTES}) whatever the file's size.
     */
    public Iterator<RecordItem> split(File body) throws IOException {
        InputStream in = new BufferedInputStream(new FileInputStream(body), 1 << 16);
        in.mark(UTF8_BOM.length);
        if (!java.util.Arrays.equals(in.readNBytes(UTF8_BOM.length), UTF8_BOM)) {
            in.reset();
        }
        in.mark(PEEK_LIMIT);
        int first = in.read();
        int blanks = 0;
        while (isWhitespace(first) && blanks < PEEK_LIMIT - 1) {
            blanks++;
            first = in.read();
        }
        in.reset();
        if (first == -1) {
            in.close();
            return java.util.List.of(RecordItem.unreadable(-1, null, null,
                    "body: is empty, expected a JSON array, NDJSON or a JSON object")).iterator();
        }
        if (first == '[') {
            in.skipNBytes(blanks); // as split(byte[]) does: an array's positions count from its '['
            return new ArrayRecords(in);
        }
        return new NdjsonRecords(new StreamLines(in));
    }

    /** Elements of a top-level JSON array; a syntax error ends the body with one index -1 item. */
    private final class ArrayRecords extends Records {
        private final JsonParser parser;
        private int index;

        private RecordItem unreadableBody;

        ArrayRecords(byte[] body, int offset) {
            this(() -> factory.createParser(body, offset, body.length - offset));
        }

        ArrayRecords(InputStream body) {
            this(() -> factory.createParser(body));
        }

        private interface ParserSource {
            JsonParser open() throws IOException;
        }

        private ArrayRecords(ParserSource source) {
            JsonParser created = null;
            try {
                created = source.open();
                created.nextToken(); // START_ARRAY, checked by the caller
            } catch (IOException e) {
                // e.g. bytes that are not text in any encoding Jackson knows
                unreadableBody = RecordItem.unreadable(-1, null, null, "body: not readable as JSON (" + withoutByteOffset(e) + ")");
            }
            parser = created;
        }

        @Override
        RecordItem read() {
            if (unreadableBody != null) {
                return unreadableBody;
            }
            try {
                JsonToken token = parser.nextToken();
                if (token == JsonToken.END_ARRAY) {
                    if (parser.nextToken() != null) {
                        return bodyError("unexpected content after the JSON array", parser);
                    }
                    return null;
                }
                if (token == null) {
                    return bodyError("truncated JSON array after " + index + " records", parser);
                }
                return RecordItem.parsed(index++, null, mapper.readTree(parser));
            } catch (NumberFormatException | ArithmeticException e) {
                return bodyError("number out of range (" + e.getMessage() + ")", parser);
            } catch (JsonProcessingException e) {
                return bodyError("malformed JSON array (" + e.getOriginalMessage() + ")", parser);
            } catch (IOException e) {
                return bodyError("not readable as JSON (" + withoutByteOffset(e) + ")", parser);
            }
        }

        @Override
        public void close() {
            if (parser == null) {
                return;
            }
            try {
                parser.close();
            } catch (IOException ignored) {
                // closing a read-only source: nothing to recover
            }
        }
    }

    /** One record per non-blank line; a malformed line rejects that line only. */
    private final class NdjsonRecords extends Records {
        private final Lines lines;
        private int lineNo;
        private int index;
        /**
         * In memory, one parser reads on from line to line while every line holds one record of the
         * common shape (a parser per line costs as much again as the reading); at the first line that
         * does not, it is dropped and each line from there gets a parser of its own.
         */
        private JsonParser shared;
        private int sharedOffset;
        private boolean sharedDropped;

        NdjsonRecords(Lines lines) {
            this.lines = lines;
        }

        @Override
        RecordItem read() {
            try {
                while (lines.next()) {
                    lineNo++;
                    byte[] buf = lines.buffer();
                    int lineStart = lines.from();
                    int end = lines.to();
                    int lineEnd = end > lineStart && buf[end - 1] == '\r' ? end - 1 : end;
                    if (lines.truncated()) {
                        return RecordItem.unreadable(index++, lineNo, text(buf, lineStart, Math.min(lineEnd, lineStart + 200)),
                                "record: line longer than " + MAX_LINE_BYTES + " bytes");
                    }
                    if (skipWhitespace(buf, lineStart, lineEnd) == lineEnd) {
                        continue;
                    }
                    return readLine(buf, lineStart, lineEnd, index++, lineNo);
                }
            } catch (IOException e) {
                return RecordItem.unreadable(-1, null, null, "body: not readable (" + e.getMessage() + ")");
            }
            return null;
        }

        @Override
        public void close() {
            dropShared();
            lines.close();
        }

        /** The line's fields read by the shared parser, or null (and the shared parser dropped). */
        private MeterRecord readFieldsShared(byte[] buf, int from, int to) {
            if (sharedDropped || lines.reusesBuffer()) {
                return null;
            }
            try {
                if (shared == null) {
                    shared = fieldsFactory.createParser(buf, from, buf.length - from);
                    sharedOffset = from;
                }
                // every line before held exactly one object and blanks, so the next token is this line's first;
                // the object must end before the line does
                MeterRecord fields = shared.nextToken() == JsonToken.START_OBJECT ? readFields(shared) : null;
                if (fields != null) {
                    long end = sharedOffset + shared.currentLocation().getByteOffset();
                    if (end <= to && skipWhitespace(buf, (int) end, to) == to) {
                        return fields;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the line is read on its own below, which says what is wrong
            }
            dropShared();
            return null;
        }

        private void dropShared() {
            sharedDropped = true;
            if (shared != null) {
                try {
                    shared.close();
                } catch (IOException ignored) {
                    // a parser over bytes in memory
                }
                shared = null;
            }
        }

        /** The line's fields when it reads the common way, else its tree (the line bytes are kept for that). */
        private RecordItem readLine(byte[] buf, int from, int to, int index, int lineNo) {
            MeterRecord fields = null;
            if (readFields) {
                fields = readFieldsShared(buf, from, to);
                if (fields == null) {
                    fields = readFields(buf, from, to);
                }
            }
            if (fields == null) {
                return parseLine(buf, from, to, index, lineNo);
            }
            byte[] kept = lines.reusesBuffer() ? java.util.Arrays.copyOfRange(buf, from, to) : buf;
            int keptFrom = kept == buf ? from : 0;
            int keptTo = kept == buf ? to : kept.length;
            return RecordItem.read(index, lineNo, fields, () -> parseLine(kept, keptFrom, keptTo, index, lineNo));
        }

        private RecordItem parseLine(byte[] body, int from, int to, int index, int lineNo) {
            JsonParser line;
            try {
                line = factory.createParser(body, from, to - from);
            } catch (IOException e) {
                return RecordItem.unreadable(index, lineNo, text(body, from, to), "record: not readable as JSON (" + withoutByteOffset(e) + ")");
            }
            try (line) {
                JsonNode json = mapper.readTree(line);
                if (json == null || json.isMissingNode()) {
                    return RecordItem.unreadable(index, lineNo, text(body, from, to), "record: not valid JSON (no value on the line)");
                }
                if (line.nextToken() != null) {
                    return RecordItem.unreadable(index, lineNo, text(body, from, to),
                            "record: not valid JSON (unexpected content after the value at column "
                                    + line.currentLocation().getColumnNr() + ")");
                }
                return RecordItem.parsed(index, lineNo, json);
            } catch (NumberFormatException | ArithmeticException e) {
                // a number Jackson cannot hold exactly, e.g. 1e999999999999999
                return RecordItem.unreadable(index, lineNo, text(body, from, to), "record: number out of range (" + e.getMessage() + ")");
            } catch (JsonProcessingException e) {
                // limit violations (StreamConstraintsException) carry no location of their own
                var at = e.getLocation() != null ? e.getLocation() : line.currentLocation();
                return RecordItem.unreadable(index, lineNo, text(body, from, to),
                        "record: not valid JSON (" + e.getOriginalMessage() + " at column " + at.getColumnNr() + ")");
            } catch (IOException e) {
                // not text Jackson can decode (e.g. an invalid UTF-32 guess): this line only. Jackson's byte
                // offset counts from wherever the line sits in its buffer, so it is left out
                return RecordItem.unreadable(index, lineNo, text(body, from, to),
                        "record: not readable as JSON (" + withoutByteOffset(e) + ")");
            }
        }

        private static String text(byte[] body, int from, int to) {
            return new String(body, from, to - from, StandardCharsets.UTF_8);
        }
    }

    /** The lines of a body, one at a time: bytes {@code [from, to)} of {@code buffer()}, without the '\n'. */
    private interface Lines {
        boolean next() throws IOException;

        byte[] buffer();

        int from();

        int to();

        /** the line was longer than the buffer may grow; only its start is in it */
        default boolean truncated() {
            return false;
        }

        /** the next line overwrites this one's bytes */
        default boolean reusesBuffer() {
            return false;
        }

        default void close() {
        }
    }

    /** Lines of a body in memory: no copying. */
    private static final class ArrayLines implements Lines {
        private final byte[] body;
        private int pos;
        private int from;
        private int to;

        ArrayLines(byte[] body, int offset) {
            this.body = body;
            this.pos = offset;
        }

        @Override
        public boolean next() {
            if (pos >= body.length) {
                return false;
            }
            from = pos;
            to = indexOfNewline(body, pos);
            pos = to + 1;
            return true;
        }

        @Override
        public byte[] buffer() {
            return body;
        }

        @Override
        public int from() {
            return from;
        }

        @Override
        public int to() {
            return to;
        }
    }

    /** Lines of a stream, each copied into one reused buffer that grows to at most MAX_LINE_BYTES. */
    private static final class StreamLines implements Lines {
        private final InputStream in;
        private byte[] line = new byte[8192];
        private int length;
        private boolean truncated;
        private boolean ended;

        StreamLines(InputStream in) {
            this.in = in;
        }

        @Override
        public boolean next() throws IOException {
            if (ended) {
                return false;
            }
            length = 0;
            truncated = false;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (length == line.length) {
                    if (line.length >= MAX_LINE_BYTES) {
                        truncated = true;
                        continue; // skip the rest of an over-long line
                    }
                    line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_LINE_BYTES));
                }
                line[length++] = (byte) b;
            }
            if (b == -1) {
                ended = true;
                return length > 0 || truncated;
            }
            return true;
        }

        @Override
        public byte[] buffer() {
            return line;
        }

        @Override
        public int from() {
            return 0;
        }

        @Override
        public int to() {
            return length;
        }

        @Override
        public boolean truncated() {
            return truncated;
        }

        @Override
        public boolean reusesBuffer() {
            return true;
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing a read-only file
            }
        }
    }

    /**
     * Reads a record the common way, straight from tokens into its fields: one object of the record's
     * own fields, each once, each of its JSON type, and nothing after it on the line. Anything else
     * (an unknown or repeated field, a null, another type, a number Jackson reads as a big integer,
     * bad JSON) gives null and the line is read as a tree instead, which yields the exact reasons.
     * This is the hot path: no tree, no BigDecimal for the time, no duplicate-detection set.
     */
    private MeterRecord readFields(byte[] body, int from, int to) {
        try (JsonParser p = fieldsFactory.createParser(body, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            MeterRecord fields = readFields(p);
            return fields == null || p.nextToken() != null ? null : fields;
        } catch (IOException | RuntimeException e) {
            return null; // the tree reading says what is wrong
        }
    }

    /** The rest of an object (its START_OBJECT just read) as the record's fields, or null: see above. */
    private static MeterRecord readFields(JsonParser p) throws IOException {
        String customerId = null;
        String meterApiName = null;
        String uniqueId = null;
        BigDecimal meterValue = null;
        long meterTime = 0;
        boolean hasTime = false;
        SortedMap<String, String> dimensions = null;
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "customerId" -> {
                    if (value != JsonToken.VALUE_STRING || customerId != null) {
                        return null;
                    }
                    customerId = p.getText();
                }
                case "meterApiName" -> {
                    if (value != JsonToken.VALUE_STRING || meterApiName != null) {
                        return null;
                    }
                    meterApiName = p.getText();
                }
                case "meterValue" -> {
                    if (!value.isNumeric() || meterValue != null) {
                        return null;
                    }
                    meterValue = p.getDecimalValue(); // exact, as the tree reads it
                }
                case "meterTimeInMillis" -> {
                    if (value != JsonToken.VALUE_NUMBER_INT || hasTime
                            || (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG)) {
                        return null;
                    }
                    meterTime = p.getLongValue();
                    hasTime = true;
                }
                case "dimensions" -> {
                    if (value != JsonToken.START_OBJECT || dimensions != null) {
                        return null;
                    }
                    dimensions = new TreeMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        if (p.nextToken() != JsonToken.VALUE_STRING || dimensions.put(key, p.getText()) != null) {
                            return null;
                        }
                    }
                }
                case "uniqueId" -> {
                    if (value != JsonToken.VALUE_STRING || uniqueId != null) {
                        return null;
                    }
                    uniqueId = p.getText();
                }
                default -> {
                    return null;
                }
            }
        }
        if (token != JsonToken.END_OBJECT || customerId == null || meterApiName == null || meterValue == null || !hasTime) {
            return null;
        }
        return new MeterRecord(customerId, meterApiName, meterValue, meterTime,
                dimensions == null ? new TreeMap<>() : dimensions, uniqueId);
    }

    /**
     * Iterator over lazily read items; {@code read()} returns null at the end. Closeable, so that a
     * split cut short (Camel closes the iterator) releases its parser or file at once; closing twice is fine.
     */
    private abstract static class Records implements Iterator<RecordItem>, java.io.Closeable {
        private RecordItem next;
        private boolean finished;

        abstract RecordItem read();

        @Override
        public void close() {
        }

        private int items;

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
    }

    private static RecordItem bodyError(String what, JsonParser parser) {
        var at = parser.currentLocation();
        return RecordItem.unreadable(-1, null, null,
                "body: " + what + " at line " + at.getLineNr() + ", column " + at.getColumnNr());
    }

    private static boolean startsWith(byte[] body, byte[] prefix) {
        if (body.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Jackson's message without its byte offset, which counts from wherever its buffer starts. */
    private static String withoutByteOffset(IOException e) {
        return String.valueOf(e.getMessage()).replaceAll(", byte #\\d+", "");
    }

    private static boolean isWhitespace(int b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static int skipWhitespace(byte[] body, int from, int to) {
        int i = from;
        while (i < to && isWhitespace(body[i])) {
            i++;
        }
        return i;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    /** Where the next '\n' is, 8 bytes at a time (this scan is a tenth of the split's time byte by byte). */
    private static int indexOfNewline(byte[] body, int from) {
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
