package io.meteringest.record;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The elements of a top-level JSON array, each read as a tree; a syntax error ends the body with
 * one index -1 item. {@link RecordSplitter} picks this for a body whose first byte is '['.
 */
final class ArrayRecords extends BodyRecords {

    private final ObjectMapper mapper;
    private final JsonParser parser;
    private int index;
    private RecordItem unreadableBody;

    interface ParserSource {
        JsonParser open() throws IOException;
    }

    /** @param source a parser positioned before the array's '[' */
    ArrayRecords(RecordJson json, ParserSource source) {
        this.mapper = json.mapper();
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
                    return bodyError("unexpected content after the JSON array");
                }
                return null;
            }
            if (token == null) {
                return bodyError("truncated JSON array after " + index + " records");
            }
            return RecordItem.parsed(index++, null, mapper.readTree(parser));
        } catch (NumberFormatException | ArithmeticException e) {
            return bodyError("number out of range (" + e.getMessage() + ")");
        } catch (JsonProcessingException e) {
            return bodyError("malformed JSON array (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            return bodyError("not readable as JSON (" + withoutByteOffset(e) + ")");
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

    private RecordItem bodyError(String what) {
        var at = parser.currentLocation();
        return RecordItem.unreadable(-1, null, null,
                "body: " + what + " at line " + at.getLineNr() + ", column " + at.getColumnNr());
    }
}
