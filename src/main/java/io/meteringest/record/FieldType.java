package io.meteringest.record;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** The JSON types of {@link RecordField}s, each tested the same way on a tree node and on a token. */
enum FieldType {
    STRING("must be a string"),
    NUMBER("must be a finite number"),
    EPOCH_MILLIS("must be an integer of epoch milliseconds"),
    STRING_MAP("must be an object of string to string");

    /** the reason text: what a value of another type must be */
    final String rule;

    FieldType(String rule) {
        this.rule = rule;
    }

    /** The tree reading's test; a missing field and JSON null are absent, never asked here. */
    boolean of(JsonNode node) {
        return switch (this) {
            case STRING -> node.isTextual();
            case NUMBER -> node.isNumber();
            case EPOCH_MILLIS -> node.isIntegralNumber() && node.canConvertToLong();
            case STRING_MAP -> node.isObject();
        };
    }

    /** The same test on a value's first token, as the field reader sees it (a map's entries are each a STRING). */
    boolean of(JsonToken token, JsonParser parser) throws IOException {
        return switch (this) {
            case STRING -> token == JsonToken.VALUE_STRING;
            case NUMBER -> token.isNumeric();
            case EPOCH_MILLIS -> token == JsonToken.VALUE_NUMBER_INT
                    && (parser.getNumberType() == JsonParser.NumberType.INT || parser.getNumberType() == JsonParser.NumberType.LONG);
            case STRING_MAP -> token == JsonToken.START_OBJECT;
        };
    }
}
