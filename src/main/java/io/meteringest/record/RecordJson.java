package io.meteringest.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The application's JSON settings: the ObjectMapper that reads records as trees and writes the
 * failure reports and payload pointers (so numbers round-trip exactly), and the parser limits.
 */
public final class RecordJson {

    /** Limits that keep a hostile body from costing unbounded memory or CPU; each hit is a rejection reason. */
    public static final int MAX_NESTING_DEPTH = 32;
    public static final int MAX_STRING_LENGTH = 1 << 20;
    public static final int MAX_NUMBER_LENGTH = 1000;

    private final ObjectMapper mapper;
    /** same limits, without Jackson's duplicate detection: {@link FieldReader} finds repeats itself */
    private final JsonFactory fieldsFactory;

    public RecordJson() {
        this.fieldsFactory = limitedFactory();
        this.mapper = JsonMapper.builder(limitedFactory())
                // exact decimals: 0.1 stays 0.1, 5.0 keeps its scale; billing sums must not drift
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                // {"meterValue":1,"meterValue":1000} is ambiguous: reject rather than pick one
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
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

    /** The mapper records are read with as trees; also used to write reports, so numbers round-trip. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** The mapper's factory: parsers for tree reading, with duplicate detection. */
    JsonFactory treeFactory() {
        return mapper.getFactory();
    }

    JsonFactory fieldsFactory() {
        return fieldsFactory;
    }
}
