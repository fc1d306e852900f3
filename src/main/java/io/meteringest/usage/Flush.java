package io.meteringest.usage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A flush recorded in the store (outbox): its id, when it was made, and its rows, always the same
 * rows for the same id, so writing it again after a crash writes the same objects.
 */
public record Flush(String id, long createdAt, List<UsageRow> rows) {

    private static final DateTimeFormatter HOUR_PATH =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);

    public String ndjsonKey() {
        return "usage/" + HOUR_PATH.format(Instant.ofEpochMilli(createdAt)) + "/" + id + ".ndjson";
    }

    public String csvKey() {
        return "usage/" + HOUR_PATH.format(Instant.ofEpochMilli(createdAt)) + "/" + id + ".csv";
    }

    public List<UsageCsvRow> csvRows() {
        // a flush has many rows and few distinct dimension sets: each is turned into k=v;k=v once
        Map<String, String> keyValues = new HashMap<>();
        return rows.stream().map(row -> UsageCsvRow.of(row, keyValues.computeIfAbsent(row.dimensionsJson(), UsageCsvRow::keyValues)))
                .collect(Collectors.toList());
    }

    public int size() {
        return rows.size();
    }
}
