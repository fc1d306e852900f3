package io.meteringest.usage;

import java.math.BigDecimal;

/**
 * One rollup row: the records of one (customer, meter, dimensions, window) accounted since the last
 * flush of that key. Rows of a flush are written to S3 as NDJSON and, through {@link UsageCsvRow},
 * as CSV.
 */
public record UsageRow(String customerId, String meterApiName, String dimensionsJson, long windowStart,
                       long windowEnd, BigDecimal sum, long count, BigDecimal min, BigDecimal max) {

    /**
     * The order of a flush's rows (the SQL store's ORDER BY): customer, meter, dimensions, window.
     * Written out rather than chained from key extractors: sorting a 100k-row flush that way was 5% of
     * the CPU of a run of workload A.
     */
    static final java.util.Comparator<UsageRow> ORDER = (a, b) -> {
        int c = a.customerId.compareTo(b.customerId);
        if (c == 0) {
            c = a.meterApiName.compareTo(b.meterApiName);
        }
        if (c == 0) {
            c = a.dimensionsJson.compareTo(b.dimensionsJson);
        }
        return c != 0 ? c : Long.compare(a.windowStart, b.windowStart);
    };

    /** What makes two rows one: customer, meter, dimensions and window (a map key, so a row's digest is made once per poll). */
    record Id(String customerId, String meterApiName, String dimensionsJson, long windowStart) {
    }

    Id id() {
        return new Id(customerId, meterApiName, dimensionsJson, windowStart);
    }

    /** The same key's figures added up. */
    static UsageRow plus(UsageRow a, UsageRow b) {
        return new UsageRow(a.customerId(), a.meterApiName(), a.dimensionsJson(), a.windowStart(), a.windowEnd(),
                a.sum().add(b.sum()), a.count() + b.count(), a.min().min(b.min()), a.max().max(b.max()));
    }

    /** A row of one record. */
    static UsageRow of(io.meteringest.record.MeterRecord record, Windows windows) {
        return of(record, RecordKeys.dimensionsJson(record.dimensions()), windows);
    }

    static UsageRow of(io.meteringest.record.MeterRecord record, String dims, Windows windows) {
        return new UsageRow(record.customerId(), record.meterApiName(), dims, windows.start(record.meterTimeInMillis()),
                windows.end(record.meterTimeInMillis()), record.meterValue(), 1, record.meterValue(), record.meterValue());
    }
}
