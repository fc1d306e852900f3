package io.meteringest.record;

import static io.meteringest.record.RecordField.CUSTOMER_ID;
import static io.meteringest.record.RecordField.DIMENSIONS;
import static io.meteringest.record.RecordField.METER_API_NAME;
import static io.meteringest.record.RecordField.METER_TIME_IN_MILLIS;
import static io.meteringest.record.RecordField.METER_VALUE;
import static io.meteringest.record.RecordField.UNIQUE_ID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meteringest.record.RecordField.Names;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads an NDJSON line the common way, straight from tokens into a {@link MeterRecord}: one object
 * of the record's own fields ({@link RecordField}), each once, each of its JSON type, and nothing
 * after it on the line. Anything else (an unknown or repeated field, a null, another type, a number
 * Jackson reads as a big integer, bad JSON) gives null and the line is read as a tree instead, which
 * yields the exact reasons. This is the hot path: no tree, no BigDecimal for the time, no
 * duplicate-detection set. One reader serves one body.
 */
final class FieldReader {

    private final JsonFactory factory;
    /**
     * In memory, one parser reads on from line to line while every line holds one record of the
     * common shape (a parser per line costs as much again as the reading); at the first line that
     * does not, it is dropped and each line from there gets a parser of its own.
     */
    private JsonParser shared;
    private int sharedOffset;
    private boolean sharedDropped;

    /** @param factory a factory without duplicate detection: repeats are found here */
    FieldReader(JsonFactory factory) {
        this.factory = factory;
    }

    /**
     * The fields of bytes {@code [from, to)} of {@code body}, or null: see above.
     *
     * @param stays the bytes after {@code to} stay as they are (a body in memory), so a parser may read on into them
     */
    MeterRecord read(byte[] body, int from, int to, boolean stays) {
        MeterRecord fields = stays ? readShared(body, from, to) : null;
        if (fields != null) {
            return fields;
        }
        try (JsonParser p = factory.createParser(body, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            fields = readObject(p);
            return fields == null || p.nextToken() != null ? null : fields;
        } catch (IOException | RuntimeException e) {
            return null; // the tree reading says what is wrong
        }
    }

    void close() {
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

    /** The line's fields read by the shared parser, or null (and the shared parser dropped). */
    private MeterRecord readShared(byte[] body, int from, int to) {
        if (sharedDropped) {
            return null;
        }
        try {
            if (shared == null) {
                shared = factory.createParser(body, from, body.length - from);
                sharedOffset = from;
            }
            // every line before held exactly one object and blanks, so the next token is this line's first;
            // the object must end before the line does
            MeterRecord fields = shared.nextToken() == JsonToken.START_OBJECT ? readObject(shared) : null;
            if (fields != null) {
                long end = sharedOffset + shared.currentLocation().getByteOffset();
                if (end <= to && BodyLines.skipWhitespace(body, (int) end, to) == to) {
                    return fields;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the line is read on its own, which says what is wrong
        }
        close();
        return null;
    }

    /** The rest of an object (its START_OBJECT just read) as the record's fields, or null: see above. */
    private static MeterRecord readObject(JsonParser p) throws IOException {
        String customerId = null;
        String meterApiName = null;
        String uniqueId = null;
        BigDecimal meterValue = null;
        long meterTime = 0;
        SortedMap<String, String> dimensions = null;
        int seen = 0; // the bits of the fields read so far
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            // a switch on the table's names finds the field faster than a map (this runs for every field)
            RecordField field = switch (name) {
                case Names.CUSTOMER_ID -> CUSTOMER_ID;
                case Names.METER_API_NAME -> METER_API_NAME;
                case Names.METER_VALUE -> METER_VALUE;
                case Names.METER_TIME_IN_MILLIS -> METER_TIME_IN_MILLIS;
                case Names.DIMENSIONS -> DIMENSIONS;
                case Names.UNIQUE_ID -> UNIQUE_ID;
                default -> null; // a field the contract does not know: the tree reading ignores it
            };
            if (field == null || (seen & field.bit) != 0 || !field.type.of(value)) {
                return null;
            }
            seen |= field.bit;
            switch (field) {
                case CUSTOMER_ID -> customerId = p.getText();
                case METER_API_NAME -> meterApiName = p.getText();
                case METER_VALUE -> meterValue = p.getDecimalValue(); // exact, as the tree reads it
                case METER_TIME_IN_MILLIS -> meterTime = p.getLongValue(); // throws beyond long range: read as a tree
                case UNIQUE_ID -> uniqueId = p.getText();
                case DIMENSIONS -> {
                    dimensions = readDimensions(p);
                    if (dimensions == null) {
                        return null;
                    }
                }
            }
        }
        if (token != JsonToken.END_OBJECT || (seen & RecordField.REQUIRED_BITS) != RecordField.REQUIRED_BITS) {
            return null;
        }
        return new MeterRecord(customerId, meterApiName, meterValue, meterTime,
                dimensions == null ? new TreeMap<>() : dimensions, uniqueId);
    }

    /** The rest of the dimensions object (its START_OBJECT just read), or null for a repeated key or a value of another type. */
    private static SortedMap<String, String> readDimensions(JsonParser p) throws IOException {
        SortedMap<String, String> dimensions = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (!FieldType.STRING.of(p.nextToken()) || dimensions.put(key, p.getText()) != null) {
                return null;
            }
        }
        return dimensions;
    }
}
