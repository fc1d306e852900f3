package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract's usage row as NDJSON, one object per line, numbers exact and written the same from every store. */
class UsageFormatTest {

    private static UsageRow row(String customer, String sum, String min, String max) {
        return new UsageRow(customer, "ComputeHours", "{\"az\":\"az1\",\"region\":\"us-west-2\"}", 1619445660000L, 1619445720000L,
                new BigDecimal(sum), 2, new BigDecimal(min), new BigDecimal(max));
    }

    private static String ndjson(UsageRow... rows) throws Exception {
        return new String(new UsageFormat().ndjson(new Flush("f-1", 0, List.of(rows))), StandardCharsets.UTF_8);
    }

    /** A one-row flush's line from its sum on. */
    private static String numbers(UsageRow row) throws Exception {
        String line = ndjson(row);
        return line.substring(line.indexOf("\"sum\""));
    }

    @Test
    void each_row_is_one_line_of_the_contracts_fields_in_order() throws Exception {
        assertEquals("""
                {"customerId":"customer-123","meterApiName":"ComputeHours","dimensions":{"az":"az1","region":"us-west-2"},\
                "windowStart":1619445660000,"windowEnd":1619445720000,"sum":5.0,"count":2,"min":2.5,"max":2.50}
                {"customerId":"c\\"2","meterApiName":"ComputeHours","dimensions":{"az":"az1","region":"us-west-2"},\
                "windowStart":1619445660000,"windowEnd":1619445720000,"sum":0.1,"count":2,"min":0.05,"max":0.05}
                """, ndjson(row("customer-123", "5.0", "2.5", "2.50"), row("c\"2", "0.1", "0.05", "0.05")));
    }

    @Test
    void a_sum_with_a_negative_scale_is_written_plain_as_the_csv_twin_writes_it() throws Exception {
        // records sent as 1e3 and 2E+3: RocksDB gives the sum back as 3E+3, PostgreSQL as 3000
        UsageRow row = row("c", "3E+3", "1e3", "2E+3");
        assertEquals("\"sum\":3000,\"count\":2,\"min\":1000,\"max\":2000}\n", numbers(row));
        assertEquals("3000", UsageCsvRow.of(row, "az=az1;region=us-west-2").getSum(), "the CSV twin");
    }

    @Test
    void a_zero_with_a_huge_exponent_which_the_validator_accepts_is_written_as_0() throws Exception {
        UsageRow row = row("c", "0E+10000", "0E+10000", "0E+10000");
        assertEquals("\"sum\":0,\"count\":2,\"min\":0,\"max\":0}\n", numbers(row));
        assertEquals("0", UsageCsvRow.of(row, "").getSum(), "the CSV twin");
    }
}
