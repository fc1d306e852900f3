package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of codec + validator on arbitrary bytes: nothing but a rejection
 * reason may come out of a bad body, no accepted record may break a contract rule, and the streamed
 * split (Extended Client payloads) reads exactly what the in-memory one does, and records read straight
 * into their fields get exactly the outcome the tree reading gives. {@code ./mvnw verify}
 * runs it with JAZZER_FUZZ=1 in a JVM of its own (pom, surefire execution "fuzz"): the committed seed
 * corpus (RecordFuzzTestInputs/), then 30 s of fuzzing; README gives the longer run.
 */
class RecordFuzzTest {

    /** Every reason names its field first: a known field, a dimension (plain or JSON-quoted key), record or body. */
    private static final java.util.regex.Pattern REASON = java.util.regex.Pattern.compile(
            "(?s)(record|body|customerId|meterApiName|meterValue|meterTimeInMillis|uniqueId"
                    + "|dimensions(\\.[A-Za-z0-9_-]+|\\[\"([^\"\\\\]|\\\\.)*(\"|\\.\\.\\.)\\])?): .+");
    private static final Instant NOW = Instant.parse("2026-11-21T20:00:00Z");
    private final RecordSplitter codec = new RecordSplitter();
    private final RecordSplitter treesOnly = new RecordSplitter(new RecordJson(), false);
    private final RecordValidator validator = new RecordValidator(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1));

    @FuzzTest(maxDuration = "30s")
    void codec_and_validator_reject_cleanly_and_accept_only_valid_records(byte[] body) throws IOException {
        List<RecordItem> inMemory = new ArrayList<>();
        codec.split(body).forEachRemaining(inMemory::add);
        // an Extended Client payload is split streamed from a file: it must read exactly the same
        Path file = Files.createTempFile("fuzz-", ".body");
        try {
            Files.write(file, body);
            List<RecordItem> streamed = new ArrayList<>();
            codec.split(file.toFile()).forEachRemaining(streamed::add);
            assertEquals(inMemory, streamed, "the same items read from a file");
        } finally {
            Files.delete(file);
        }
        // records read straight into their fields get the verdict, record and reasons the tree reading gives
        List<RecordItem> trees = new ArrayList<>();
        treesOnly.split(body).forEachRemaining(trees::add);
        assertEquals(trees.size(), inMemory.size(), "as many items from either reading");
        Iterator<RecordItem> items = inMemory.iterator();
        int count = 0;
        while (items.hasNext()) {
            RecordItem item = items.next();
            assertTrue(++count <= BodyRecords.MAX_RECORDS + 1, "the record limit holds");
            RecordOutcome outcome = validator.validate(item);
            RecordOutcome fromTree = validator.validate(trees.get(count - 1));
            // compared as values (a record's toString could hide a difference in a dimension value)
            assertEquals(java.util.Arrays.asList(fromTree.index(), fromTree.line(), fromTree.record(), fromTree.reasons()),
                    java.util.Arrays.asList(outcome.index(), outcome.line(), outcome.record(), outcome.reasons()),
                    "the same outcome read from fields and from a tree");
            if (!outcome.isAccepted()) {
                assertEquals(fromTree.json(), outcome.json(), "a rejected record's report shows the same JSON");
            }
            if (outcome.isAccepted()) {
                holdsEveryRule(outcome.record());
            } else {
                assertFalse(outcome.reasons().isEmpty(), "a rejection says why");
                outcome.reasons().forEach(reason -> assertTrue(REASON.matcher(reason).matches(), reason));
            }
        }
    }

    private static void holdsEveryRule(MeterRecord record) {
        name(record.customerId());
        name(record.meterApiName());
        assertNotNull(record.meterValue());
        assertTrue(record.meterTimeInMillis() > 0);
        assertTrue(record.meterTimeInMillis() <= NOW.plus(Duration.ofHours(1)).toEpochMilli());
        assertTrue(record.dimensions().size() <= 64);
        for (Map.Entry<String, String> entry : record.dimensions().entrySet()) {
            int key = entry.getKey().codePointCount(0, entry.getKey().length());
            assertTrue(key >= 1 && key <= 128);
            assertTrue(entry.getValue().codePointCount(0, entry.getValue().length()) <= 1024);
        }
        if (record.uniqueId() != null) {
            int length = record.uniqueId().codePointCount(0, record.uniqueId().length());
            assertTrue(length >= 1 && length <= 256);
        }
    }

    private static void name(String value) {
        assertNotNull(value);
        int length = value.codePointCount(0, value.length());
        assertTrue(length >= 1 && length <= 256);
        assertTrue(value.codePoints().noneMatch(Character::isISOControl));
    }
}
