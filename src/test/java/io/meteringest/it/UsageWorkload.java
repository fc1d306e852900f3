package io.meteringest.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A seeded producer workload with its ground truth, computed here from the contract's rules alone:
 * messages of NDJSON records over many groups, with records retried under an earlier uniqueId,
 * records identical to earlier ones, invalid records, and whole messages sent again as new messages.
 * Duplicates are always the same record, so the truth does not depend on which copy is processed first.
 */
final class UsageWorkload {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final long WINDOW = 60_000;

    record Message(String group, String body) {
    }

    final List<Message> messages = new ArrayList<>();
    /** "customer|meter|dimensionsJson|windowStart" -> {sum, count} of the accepted, deduplicated records */
    final Map<String, BigDecimal[]> truth = new TreeMap<>();
    int records;
    int duplicates;
    int invalid;

    UsageWorkload(long seed, int messageCount, int recordsPerMessage, int groups, long nowMillis) {
        Random random = new Random(seed);
        Set<String> seenKeys = new HashSet<>();
        List<ObjectNode> earlier = new ArrayList<>();
        for (int m = 0; m < messageCount; m++) {
            String group = "group-" + (m % groups);
            if (m > 10 && random.nextInt(100) < 5) {
                // a producer retry: an earlier message's body again, as a new message
                Message again = messages.get(random.nextInt(messages.size()));
                messages.add(new Message(group, again.body()));
                countAgain(again.body(), seenKeys);
                continue;
            }
            StringBuilder body = new StringBuilder();
            for (int r = 0; r < recordsPerMessage; r++) {
                ObjectNode record;
                int kind = random.nextInt(100);
                if (kind < 3 && !earlier.isEmpty()) {
                    record = earlier.get(random.nextInt(earlier.size())).deepCopy(); // identical content
                } else if (kind < 6 && !earlier.isEmpty() && earlier.get(earlier.size() - 1).has("uniqueId")
                        && earlier.get(earlier.size() - 1).get("meterValue").isNumber()) {
                    // the same record retried under its uniqueId, written differently (5 vs 5.000):
                    // which copy arrives first must not matter
                    record = earlier.get(earlier.size() - 1).deepCopy();
                    record.put("meterValue", record.get("meterValue").decimalValue().setScale(6));
                } else {
                    record = newRecord(random, nowMillis);
                    if (random.nextBoolean()) {
                        record.put("uniqueId", "u-" + seed + "-" + m + "-" + r);
                    }
                }
                if (kind == 99) {
                    record.put("meterValue", "12"); // invalid: a string
                }
                earlier.add(record);
                body.append(record).append('\n');
                count(record, seenKeys);
            }
            messages.add(new Message(group, body.toString()));
        }
    }

    private static ObjectNode newRecord(Random random, long nowMillis) {
        ObjectNode record = JSON.createObjectNode();
        record.put("customerId", "customer-" + random.nextInt(25));
        record.put("meterApiName", List.of("ComputeHours", "Storage", "Requests").get(random.nextInt(3)));
        record.put("meterValue", BigDecimal.valueOf(random.nextInt(1_000_000), 3)); // up to 999.999, exact
        record.put("meterTimeInMillis", nowMillis - random.nextInt(3 * 3600_000));
        if (random.nextBoolean()) {
            ObjectNode dims = record.putObject("dimensions");
            dims.put("region", "r" + random.nextInt(3));
            if (random.nextBoolean()) {
                dims.put("az", "az" + random.nextInt(2));
            }
        }
        return record;
    }

    private void countAgain(String body, Set<String> seenKeys) {
        for (String line : body.split("\n")) {
            try {
                count((ObjectNode) JSON.readTree(line), seenKeys);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void count(ObjectNode record, Set<String> seenKeys) {
        records++;
        if (!record.get("meterValue").isNumber()) {
            invalid++;
            return;
        }
        TreeMap<String, String> dims = new TreeMap<>();
        if (record.has("dimensions")) {
            record.get("dimensions").fields().forEachRemaining(e -> dims.put(e.getKey(), e.getValue().asText()));
        }
        BigDecimal value = record.get("meterValue").decimalValue();
        long time = record.get("meterTimeInMillis").asLong();
        String key = record.has("uniqueId") ? "u:" + record.get("uniqueId").asText()
                : "c:" + record.get("customerId").asText() + "|" + record.get("meterApiName").asText() + "|"
                        + value.stripTrailingZeros().toPlainString() + "|" + time + "|" + dims;
        if (!seenKeys.add(key)) {
            duplicates++;
            return;
        }
        String row = record.get("customerId").asText() + "|" + record.get("meterApiName").asText() + "|"
                + dimsJson(dims) + "|" + Math.floorDiv(time, WINDOW) * WINDOW;
        BigDecimal[] total = truth.computeIfAbsent(row, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        total[0] = total[0].add(value);
        total[1] = total[1].add(BigDecimal.ONE);
    }

    static String dimsJson(Map<String, String> dims) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(dims));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sums usage rows (NDJSON lines) per key and window, as a reader of the bucket would. */
    static Map<String, BigDecimal[]> sumRows(List<String> ndjsonLines) throws Exception {
        Map<String, BigDecimal[]> totals = new TreeMap<>();
        for (String line : ndjsonLines) {
            JsonNode row = JSON.readTree(line);
            TreeMap<String, String> dims = new TreeMap<>();
            row.get("dimensions").fields().forEachRemaining(e -> dims.put(e.getKey(), e.getValue().asText()));
            String key = row.get("customerId").asText() + "|" + row.get("meterApiName").asText() + "|" + dimsJson(dims)
                    + "|" + row.get("windowStart").asLong();
            BigDecimal[] total = totals.computeIfAbsent(key, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            total[0] = total[0].add(row.get("sum").decimalValue());
            total[1] = total[1].add(row.get("count").decimalValue());
        }
        return totals;
    }

    /** The key/window totals where the rows disagree with the truth (at most 20, for a readable failure). */
    List<String> differences(List<String> ndjsonRows) throws Exception {
        Map<String, String> expected = comparable(truth);
        Map<String, String> actual = comparable(sumRows(ndjsonRows));
        List<String> differences = new ArrayList<>();
        java.util.SortedSet<String> keys = new java.util.TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String key : keys) {
            if (!java.util.Objects.equals(expected.get(key), actual.get(key)) && differences.size() < 20) {
                differences.add(key + ": expected " + expected.get(key) + ", rows say " + actual.get(key));
            }
        }
        return differences;
    }

    /** Totals as comparable text ("sum x count", sums normalised), for a readable assertion diff. */
    static Map<String, String> comparable(Map<String, BigDecimal[]> totals) {
        Map<String, String> text = new TreeMap<>();
        totals.forEach((k, v) -> text.put(k, v[0].stripTrailingZeros().toPlainString() + " x " + v[1].toPlainString()));
        return text;
    }
}
