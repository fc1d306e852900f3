package io.meteringest.record;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON types of {@link RecordField}s, each tested the same way on a tree node and on a token. */
enum FieldType {
    STRING("must be a string", JsonToken.VALUE_STRING),
    NUMBER("must be a finite number", JsonToken.VALUE_NUMBER_INT),
    EPOCH_MILLIS("must be an integer of epoch milliseconds", JsonToken.VALUE_NUMBER_INT),
    STRING_MAP("must be an object of string to string", JsonToken.START_OBJECT);

    /** the reason text: what a value of another type must be */
    final String rule;

    private final JsonToken firstToken;

    FieldType(String rule, JsonToken firstToken) {
        this.rule = rule;
        this.firstToken = firstToken;
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

    /** A node that passed {@link #of(JsonNode)}, read as the value {@link RecordField#holdsValue} checks. */
    Object read(JsonNode node) {
        return switch (this) {
            case STRING -> node.textValue();
            case NUMBER -> node.decimalValue(); // exact
            case EPOCH_MILLIS -> node.longValue();
            case STRING_MAP -> {
                // entries in the object's order; a value of another type stays a node, for its reason
                Map<String, Object> entries = new LinkedHashMap<>();
                node.fields().forEachRemaining(e -> entries.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue()));
                yield entries;
            }
        };
    }

    /**
     * The same test on a value's first token, as the field reader sees it (a map's entries are each a
     * STRING). An integer beyond long range passes here but fails the reader's getLongValue, which
     * sends the record to the tree reading as well; kept this small because it runs for every field.
     */
    boolean of(JsonToken token) {
        return token == firstToken || (this == NUMBER && token == JsonToken.VALUE_NUMBER_FLOAT);
    }
}
