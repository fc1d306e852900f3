package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.record.MeterRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What an aggregation endpoint's call does: records into the message's batch, counted per endpoint for operators. */
class UsageAccountingTest {

    private static MeterRecord record(String customer) {
        return new MeterRecord(customer, "M", BigDecimal.ONE, 1_619_445_706_909L, new TreeMap<>(), null);
    }

    private static MeterRecords group(MeterRecord... records) {
        return new MeterRecords("M", List.of(records));
    }

    @Test
    void a_meters_records_or_one_record_go_into_the_batch_and_count_for_their_endpoint() {
        UsageAccounting accounting = new UsageAccounting();
        UsageBatch batch = new UsageBatch("m-1");
        accounting.add(batch, group(record("a"), record("b")), "usage-aggregate");
        accounting.add(batch, record("c"), "usage-aggregate-compute-hours");
        assertEquals(List.of("a", "b", "c"), batch.records().stream().map(MeterRecord::customerId).toList());
        assertEquals(Map.of("usage-aggregate", 2L, "usage-aggregate-compute-hours", 1L), accounting.recordsByEndpoint());
    }

    @Test
    void every_endpoint_has_its_counter_whether_first_counted_before_or_after_the_registry_is_bound() {
        UsageAccounting accounting = new UsageAccounting();
        UsageBatch batch = new UsageBatch("m-1");
        accounting.add(batch, group(record("a"), record("b")), "before");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        accounting.bindTo(registry);
        accounting.add(batch, record("c"), "after");
        accounting.add(batch, record("d"), "before");
        assertEquals(3.0, registry.get("meter_ingest_records_routed").tag("endpoint", "before").functionCounter().count());
        assertEquals(1.0, registry.get("meter_ingest_records_routed").tag("endpoint", "after").functionCounter().count());
    }

    @Test
    void a_wrong_body_or_a_missing_batch_is_named() {
        UsageAccounting accounting = new UsageAccounting();
        IllegalArgumentException wrongBody = assertThrows(IllegalArgumentException.class,
                () -> accounting.add(new UsageBatch("m-1"), "text", "my-endpoint"));
        assertTrue(wrongBody.getMessage().contains("my-endpoint") && wrongBody.getMessage().contains("java.lang.String"),
                wrongBody.getMessage());
        IllegalStateException noBatch = assertThrows(IllegalStateException.class,
                () -> accounting.add(null, record("a"), "my-endpoint"));
        assertTrue(noBatch.getMessage().contains("usageBatch"), noBatch.getMessage());
        assertEquals(Map.of(), accounting.recordsByEndpoint(), "nothing counted");
    }
}
