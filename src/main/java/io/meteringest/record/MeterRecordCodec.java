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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

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

    public MeterRecordCodec() {
        JsonFactory limited = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(limited)
                // exact decimals: 0.1 stays 0.1, 5.0 keeps its scale; billing sums must not drift
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                // {"meterValue":1,"meterValue":1000} is ambiguous: reject rather than pick one
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.factory = mapper.getFactory();
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
        void close() {
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
                    return parseLine(buf, lineStart, lineEnd);
                }
            } catch (IOException e) {
                return RecordItem.unreadable(-1, null, null, "body: not readable (" + e.getMessage() + ")");
            }
            return null;
        }

        @Override
        void close() {
            lines.close();
        }

        private RecordItem parseLine(byte[] body, int from, int to) {
            JsonParser line;
            try {
                line = factory.createParser(body, from, to - from);
            } catch (IOException e) {
                return RecordItem.unreadable(index++, lineNo, text(body, from, to), "record: not readable as JSON (" + withoutByteOffset(e) + ")");
            }
            try (line) {
                JsonNode json = mapper.readTree(line);
                if (json == null || json.isMissingNode()) {
                    return RecordItem.unreadable(index++, lineNo, text(body, from, to), "record: not valid JSON (no value on the line)");
                }
                if (line.nextToken() != null) {
                    return RecordItem.unreadable(index++, lineNo, text(body, from, to),
                            "record: not valid JSON (unexpected content after the value at column "
                                    + line.currentLocation().getColumnNr() + ")");
                }
                return RecordItem.parsed(index++, lineNo, json);
            } catch (NumberFormatException | ArithmeticException e) {
                // a number Jackson cannot hold exactly, e.g. 1e999999999999999
                return RecordItem.unreadable(index++, lineNo, text(body, from, to), "record: number out of range (" + e.getMessage() + ")");
            } catch (JsonProcessingException e) {
                // limit violations (StreamConstraintsException) carry no location of their own
                var at = e.getLocation() != null ? e.getLocation() : line.currentLocation();
                return RecordItem.unreadable(index++, lineNo, text(body, from, to),
                        "record: not valid JSON (" + e.getOriginalMessage() + " at column " + at.getColumnNr() + ")");
            } catch (IOException e) {
                // not text Jackson can decode (e.g. an invalid UTF-32 guess): this line only. Jackson's byte
                // offset counts from wherever the line sits in its buffer, so it is left out
                return RecordItem.unreadable(index++, lineNo, text(body, from, to),
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
            to = indexOf(body, (byte) '\n', pos);
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
        public void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing a read-only file
            }
        }
    }

    /** Iterator over lazily read items; {@code read()} returns null at the end. */
    private abstract static class Records implements Iterator<RecordItem> {
        private RecordItem next;
        private boolean finished;

        abstract RecordItem read();

        void close() {
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
        while (i < to && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
            i++;
        }
        return i;
    }

    private static int indexOf(byte[] body, byte b, int from) {
        for (int i = from; i < body.length; i++) {
            if (body[i] == b) {
                return i;
            }
        }
        return body.length;
    }
}
