package io.meteringest.testkit;

import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordOutcome;
import io.meteringest.record.RecordValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Meter record fixtures: single records as producers send them, and the reference samples in samples/. */
public final class Records {

    /** 2021-04-26T14:01:46.909Z: the samples' time, in the window starting 1619445660000 (one-minute windows). */
    public static final long SAMPLE_TIME = 1619445706909L;
    public static final Path SAMPLE_ARRAY = Path.of("samples", "compute-hours-array.json");
    public static final Path SAMPLE_NDJSON = Path.of("samples", "compute-hours.ndjson");

    private Records() {
    }

    /** A valid record of {@code customerId} for meter "M", value 1, at {@link #SAMPLE_TIME}. */
    public static String record(String customerId) {
        return record(customerId, "M", "1");
    }

    /** A valid record without dimensions at {@link #SAMPLE_TIME}; {@code value} is written as given (a JSON number). */
    public static String record(String customerId, String meterApiName, String value) {
        return "{\"customerId\":\"" + customerId + "\",\"meterApiName\":\"" + meterApiName + "\",\"meterValue\":" + value
                + ",\"meterTimeInMillis\":" + SAMPLE_TIME + "}";
    }

    /**
     * What ingest-validate makes of {@code body}: the codec's split, each record through the validator
     * (the shipped max-future of one hour), in body order.
     */
    public static List<RecordOutcome> outcomes(String body) {
        RecordSplitter codec = new RecordSplitter();
        RecordValidator validator = new RecordValidator(Clock.systemUTC(), Duration.ofHours(1));
        List<RecordOutcome> outcomes = new ArrayList<>();
        codec.split(body).forEachRemaining(item -> outcomes.add(validator.validate(item)));
        return outcomes;
    }

    /** samples/compute-hours-array.json: a JSON array of one record with dimensions. */
    public static String sampleArray() {
        return read(SAMPLE_ARRAY);
    }

    /** samples/compute-hours.ndjson: three NDJSON records without dimensions. */
    public static String sampleNdjson() {
        return read(SAMPLE_NDJSON);
    }

    public static byte[] sampleArrayBytes() {
        return readBytes(SAMPLE_ARRAY);
    }

    public static byte[] sampleNdjsonBytes() {
        return readBytes(SAMPLE_NDJSON);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
