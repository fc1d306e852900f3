package io.meteringest.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.record.MeterRecord;
import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordOutcome;
import io.meteringest.record.RecordValidator;
import io.meteringest.testkit.Records;
import io.meteringest.usage.MeterRecords;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ingest-validate's one call per message: every record's verdict folded into one MessageOutcome, accepted grouped by meter. */
class MessageValidatorTest {

    private final MessageValidator validator = new MessageValidator(new RecordSplitter(),
            new RecordValidator(Clock.systemUTC(), Duration.ofHours(1)));

    @TempDir
    Path folder;

    @Test
    void counts_accepted_records_and_keeps_every_rejected_one_in_body_order() throws Exception {
        MessageOutcome outcome = validator.validate(Records.record("c-1") + "\n"
                + "{\"customerId\":\"c-2\",\"meterApiName\":\"M\",\"meterValue\":\"5\",\"meterTimeInMillis\":1}\n"
                + Records.record("c-3") + "\n"
                + "not json\n");

        assertEquals(2, outcome.getAccepted());
        assertEquals(2, outcome.getRejected());
        assertEquals(List.of(1, 3), outcome.getRejections().stream().map(RecordOutcome::index).toList());
        assertTrue(outcome.getRejections().stream().noneMatch(RecordOutcome::isAccepted));
    }

    @Test
    void groups_accepted_records_by_meter_in_the_order_meters_first_appear_and_records_in_body_order() throws Exception {
        MessageOutcome outcome = validator.validate(Records.record("c-1", "Storage", "1") + "\n"
                + Records.record("c-2", "ComputeHours", "2") + "\n"
                + Records.record("c-3", "Storage", "3") + "\n");

        List<MeterRecords> groups = outcome.getAcceptedByMeter();
        assertEquals(List.of("Storage", "ComputeHours"), groups.stream().map(MeterRecords::getMeterApiName).toList());
        assertEquals(List.of("c-1", "c-3"), groups.get(0).getRecords().stream().map(MeterRecord::customerId).toList());
        assertEquals(2, groups.get(0).getSize());
        assertEquals(List.of("c-2"), groups.get(1).getRecords().stream().map(MeterRecord::customerId).toList());
    }

    @Test
    void the_route_reads_the_counts_and_the_meter_groups_through_the_validator() throws Exception {
        MessageOutcome outcome = validator.validate(Records.record("c-1", "Storage", "1") + "\n" + "not json\n"
                + Records.record("c-2", "ComputeHours", "2") + "\n");

        assertEquals(2, validator.accepted(outcome));
        assertEquals(1, validator.rejected(outcome));
        assertEquals(List.of("Storage", "ComputeHours"),
                validator.acceptedByMeter(outcome).stream().map(MeterRecords::getMeterApiName).toList());
    }

    @Test
    void an_empty_array_gives_an_empty_outcome_to_test() throws Exception {
        MessageOutcome outcome = validator.validate("[]".getBytes(StandardCharsets.UTF_8));

        assertEquals(0, outcome.getAccepted());
        assertEquals(0, outcome.getRejected());
        assertEquals(List.of(), outcome.getAcceptedByMeter());
    }

    @Test
    void an_empty_body_is_one_rejection_of_the_body_as_a_whole() throws Exception {
        MessageOutcome outcome = validator.validate("");

        assertEquals(0, outcome.getAccepted());
        assertEquals(1, outcome.getRejected());
        assertEquals(-1, outcome.getRejections().get(0).index());
    }

    @Test
    void reads_a_payload_file() throws Exception {
        File payload = folder.resolve("payload.ndjson").toFile();
        Files.writeString(payload.toPath(), Records.record("c-1") + "\n" + Records.record("c-2") + "\n");

        MessageOutcome outcome = validator.validate(payload);

        assertEquals(2, outcome.getAccepted());
        assertEquals(0, outcome.getRejected());
    }

    @Test
    void a_missing_payload_file_fails_the_message() {
        assertThrows(IOException.class, () -> validator.validate(folder.resolve("gone").toFile()));
    }
}
