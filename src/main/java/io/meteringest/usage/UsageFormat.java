package io.meteringest.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Renders a {@link Flush} as the contract's usage rows, one JSON object per line, numbers exact.
 * Used by {@code usage-write}.
 */
public final class UsageFormat {

    // decimals as the CSV twin writes them, whatever the store gave back: 1000, never 1E+3 (a sum of records sent as
    // 1e3 keeps that scale in RocksDB, while PostgreSQL's numeric has none); bounded, as the validator bounds meterValue
    private final ObjectMapper mapper = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    public byte[] ndjson(Flush flush) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(flush.rows().size() * 160);
        // one generator for the whole flush, not one per row; a newline after each row
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.setRootValueSeparator(null);
            for (UsageRow row : flush.rows()) {
                json.writeStartObject();
                json.writeStringField("customerId", row.customerId());
                json.writeStringField("meterApiName", row.meterApiName());
                json.writeFieldName("dimensions");
                json.writeRawValue(row.dimensionsJson());
                json.writeNumberField("windowStart", row.windowStart());
                json.writeNumberField("windowEnd", row.windowEnd());
                json.writeNumberField("sum", row.sum());
                json.writeNumberField("count", row.count());
                json.writeNumberField("min", row.min());
                json.writeNumberField("max", row.max());
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }
}
