package io.meteringest.usage;

import java.math.BigDecimal;

/**
 * One rollup row: the records of one (customer, meter, dimensions, window) accounted since the last
 * flush of that key. Rows of a flush are written to S3 as NDJSON and, through {@link UsageCsvRow},
 * as CSV.
 */
public record UsageRow(String customerId, String meterApiName, String dimensionsJson, long windowStart,
                       long windowEnd, BigDecimal sum, long count, BigDecimal min, BigDecimal max) {
}
