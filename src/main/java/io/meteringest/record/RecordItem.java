package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One record as the codec split it out of a message body: read straight into its fields (the common
 * case), parsed JSON, or, when its text is not JSON, the raw text with the parse error. The splitter
 * hands these to {@link RecordValidator}.
 *
 * @param index  0-based position in the message; -1 when the body as a whole is unreadable
 * @param line   1-based NDJSON line number, or null for array bodies
 * @param json   the parsed value, or null when the text was not JSON or was read into {@code fields}
 * @param raw    the text as received when it was not JSON, else null
 * @param error  why the text could not be read, else null
 * @param fields the record's fields, read without a tree, not yet validated; else null
 * @param asTree the same record read as a tree (for the exact rejection reasons and the failure
 *               report), when {@code fields} is set; not part of equality
 */
public record RecordItem(int index, Integer line, JsonNode json, String raw, String error, MeterRecord fields,
                         Supplier<RecordItem> asTree) {

    public static RecordItem parsed(int index, Integer line, JsonNode json) {
        return new RecordItem(index, line, json, null, null, null, null);
    }

    public static RecordItem unreadable(int index, Integer line, String raw, String error) {
        return new RecordItem(index, line, null, raw, error, null, null);
    }

    static RecordItem read(int index, Integer line, MeterRecord fields, Supplier<RecordItem> asTree) {
        return new RecordItem(index, line, null, null, null, fields, asTree);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecordItem that && index == that.index && Objects.equals(line, that.line)
                && Objects.equals(json, that.json) && Objects.equals(raw, that.raw) && Objects.equals(error, that.error)
                && Objects.equals(fields, that.fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, line, json, raw, error, fields);
    }
}
