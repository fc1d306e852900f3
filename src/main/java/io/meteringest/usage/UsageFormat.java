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
                json.writeNumberField("sum", plain(row.sum()));
                json.writeNumberField("count", row.count());
                json.writeNumberField("min", plain(row.min()));
                json.writeNumberField("max", plain(row.max()));
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }

    /**
     * A negative scale as scale 0 (3E+3 as 3000): Jackson refuses to write plain a scale beyond +-9999, which the
     * validator lets through for a zero (0e10000 is a finite number), and one such row would hold up every later flush.
     */
    private static BigDecimal plain(BigDecimal value) {
        return value.scale() < 0 ? value.setScale(0) : value;
    }
}
