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

    private final ObjectMapper mapper = new ObjectMapper();

    public byte[] ndjson(Flush flush) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (UsageRow row : flush.rows()) {
            try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
                json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
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
            }
            out.write('\n');
        }
        return out.toByteArray();
    }
}
