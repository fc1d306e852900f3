package io.meteringest.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One record per non-blank line of an NDJSON body (LF or CRLF); a malformed line rejects that line
 * only. A line is read by {@link FieldReader} when it can be, else as a tree.
 */
final class NdjsonRecords extends BodyRecords {

    private final BodyLines lines;
    private final FieldReader fieldReader;
    private final ObjectMapper mapper;
    private final JsonFactory treeFactory;
    private int lineNo;
    private int index;

    /** @param fieldReader null to read every line as a tree (tests compare both readings) */
    NdjsonRecords(BodyLines lines, FieldReader fieldReader, RecordJson json) {
        this.lines = lines;
        this.fieldReader = fieldReader;
        this.mapper = json.mapper();
        this.treeFactory = json.treeFactory();
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
                            "record: line longer than " + StreamLines.MAX_LINE_BYTES + " bytes");
                }
                if (BodyLines.skipWhitespace(buf, lineStart, lineEnd) == lineEnd) {
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
        if (fieldReader != null) {
            fieldReader.close();
        }
        lines.close();
    }

    /** The line's fields when it reads the common way, else its tree (the line bytes are kept for that). */
    private RecordItem readLine(byte[] buf, int from, int to, int index, int lineNo) {
        MeterRecord fields = fieldReader == null ? null : fieldReader.read(buf, from, to, !lines.reusesBuffer());
        if (fields == null) {
            return parseLine(buf, from, to, index, lineNo);
        }
        byte[] kept = lines.reusesBuffer() ? Arrays.copyOfRange(buf, from, to) : buf;
        int keptFrom = kept == buf ? from : 0;
        int keptTo = kept == buf ? to : kept.length;
        return RecordItem.read(index, lineNo, fields, () -> parseLine(kept, keptFrom, keptTo, index, lineNo));
    }

    private RecordItem parseLine(byte[] body, int from, int to, int index, int lineNo) {
        JsonParser line;
        try {
            line = treeFactory.createParser(body, from, to - from);
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
