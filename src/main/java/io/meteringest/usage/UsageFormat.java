package io.meteringest.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Renders a {@link Flush} as the contract's usage rows, one JSON object per line, numbers exact.
 * Used by {@code usage-write}.
 */
public final class UsageFormat {

    private final ObjectMapper mapper = new ObjectMapper();

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
                decimal(json, "sum", row.sum());
                json.writeNumberField("count", row.count());
                decimal(json, "min", row.min());
                decimal(json, "max", row.max());
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }

    /**
     * A decimal as the CSV twin writes it ({@code toPlainString}), whatever the store gave back: 3000, never 3E+3 (a sum
     * of records sent as 1e3 keeps that scale in RocksDB, PostgreSQL's numeric has none), and 0 for the 0e10000 the
     * validator accepts (Jackson's own plain writing refuses scales beyond 9999). Bounded: the validator bounds meterValue.
     */
    private static void decimal(JsonGenerator json, String field, BigDecimal value) throws IOException {
        json.writeFieldName(field);
        json.writeNumber(value.toPlainString());
    }
}
