package io.meteringest.record;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One record as the codec split it out of a message body: either parsed JSON or, when its text is
 * not JSON, the raw text with the parse error. The splitter hands these to {@link RecordValidator}.
 *
 * @param index  0-based position in the message; -1 when the body as a whole is unreadable
 * @param line   1-based NDJSON line number, or null for array bodies
 * @param json   the parsed value, or null when the text was not JSON
 * @param raw    the text as received when it was not JSON, else null
 * @param error  why the text could not be read, else null
 */
public record RecordItem(int index, Integer line, JsonNode json, String raw, String error) {

    public static RecordItem parsed(int index, Integer line, JsonNode json) {
        return new RecordItem(index, line, json, null, null);
    }

    public static RecordItem unreadable(int index, Integer line, String raw, String error) {
        return new RecordItem(index, line, null, raw, error);
    }
}
