package io.meteringest.usage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.camel.dataformat.bindy.annotation.CsvRecord;
import org.apache.camel.dataformat.bindy.annotation.DataField;

/**
 * The CSV twin of a {@link UsageRow}, marshalled by camel-bindy in {@code usage-write}: same columns
 * as the NDJSON, dimensions as sorted {@code k=v;k=v}.
 */
@CsvRecord(separator = ",", generateHeaderColumns = true, quoting = true, quotingOnlyWhenNeeded = true, crlf = "UNIX")
public class UsageCsvRow {

    private static final ObjectMapper JSON = new ObjectMapper();

    @DataField(pos = 1, columnName = "customerId")
    private String customerId;
    @DataField(pos = 2, columnName = "meterApiName")
    private String meterApiName;
    @DataField(pos = 3, columnName = "dimensions")
    private String dimensions;
    @DataField(pos = 4, columnName = "windowStart")
    private long windowStart;
    @DataField(pos = 5, columnName = "windowEnd")
    private long windowEnd;
    @DataField(pos = 6, columnName = "sum")
    private String sum;
    @DataField(pos = 7, columnName = "count")
    private long count;
    @DataField(pos = 8, columnName = "min")
    private String min;
    @DataField(pos = 9, columnName = "max")
    private String max;

    /** {@code keyValues}: the row's dimensions as {@link #keyValues} makes them. */
    static UsageCsvRow of(UsageRow row, String keyValues) {
        UsageCsvRow csv = new UsageCsvRow();
        csv.customerId = row.customerId();
        csv.meterApiName = row.meterApiName();
        csv.dimensions = keyValues;
        csv.windowStart = row.windowStart();
        csv.windowEnd = row.windowEnd();
        csv.sum = row.sum().toPlainString();
        csv.count = row.count();
        csv.min = row.min().toPlainString();
        csv.max = row.max().toPlainString();
        return csv;
    }

    static String keyValues(String dimensionsJson) {
        try {
            Map<String, String> dims = new TreeMap<>(JSON.readValue(dimensionsJson, new TypeReference<Map<String, String>>() { }));
            return dims.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(";"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored dimensions are not JSON: " + dimensionsJson, e);
        }
    }

    public String getCustomerId() {
        return customerId;
    }

    public String getDimensions() {
        return dimensions;
    }

    public String getSum() {
        return sum;
    }

    public long getCount() {
        return count;
    }
}
