package io.meteringest.record;

import java.math.BigDecimal;
import java.util.SortedMap;

/**
 * An accepted meter record, as {@link RecordValidator} produced it from valid JSON. Values are exact:
 * {@code meterValue} keeps the decimal the producer wrote, dimensions are sorted by key.
 */
public record MeterRecord(
        String customerId,
        String meterApiName,
        BigDecimal meterValue,
        long meterTimeInMillis,
        SortedMap<String, String> dimensions,
        String uniqueId) {
}
