package io.meteringest.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** A preloaded queue's worth of messages: bodies of valid NDJSON meter records and their groups. */
record Workload(String name, String description, List<Message> messages, int recordsPerMessage) {

    record Message(String group, String body) {
    }

    int records() {
        return messages.size() * recordsPerMessage;
    }

    /** The sum of every record's meterValue, what exact rollups must add up to. */
    java.math.BigDecimal sum() {
        java.util.regex.Pattern value = java.util.regex.Pattern.compile("\"meterValue\":([0-9.]+)");
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        for (Message message : messages) {
            java.util.regex.Matcher m = value.matcher(message.body());
            while (m.find()) {
                sum = sum.add(new java.math.BigDecimal(m.group(1)));
            }
        }
        return sum;
    }

    long bytes() {
        return messages.stream().mapToLong(m -> m.body().getBytes(StandardCharsets.UTF_8).length).sum();
    }

    /** {@code -Dbench.scale=N}: A and B with N times their messages (a longer run: steady state, JIT warmed up) */
    static final int SCALE = Integer.getInteger("bench.scale", 1);

    /** (A) 2,000 messages x 100 NDJSON records over 100 groups. */
    static Workload a(long seed) {
        return generate("A", String.format("%,d msgs x 100 NDJSON records, 100 groups", 2_000 * SCALE), seed, 2_000 * SCALE,
                100, 100, 0);
    }

    /** (B) 5,000 messages x 1 record, a random group each (as the reference producers send). */
    static Workload b(long seed) {
        return generate("B", String.format("%,d msgs x 1 record", 5_000 * SCALE), seed, 5_000 * SCALE, 1, 0, 0);
    }

    /**
     * (C) 200 messages of about {@code bodyBytes} each (1 MiB, or the largest body the server takes):
     * records with a large dimension value, so a body is big without being a huge record count.
     */
    static Workload c(long seed, int bodyBytes) {
        int recordBytes = 8 * 1024;
        int perMessage = Math.max(1, bodyBytes / (recordBytes + 200) - 1);
        return generate("C", "200 msgs of ~" + (bodyBytes / 1024) + " KiB (" + perMessage + " records of ~8 KiB)",
                seed, 200, perMessage, 0, recordBytes);
    }

    private static Workload generate(String name, String description, long seed, int messages, int perMessage,
                                     int groups, int padding) {
        Random random = new Random(seed);
        long now = System.currentTimeMillis();
        String pad = padding > 0 ? ",\"note\":\"" + "x".repeat(padding) + "\"" : "";
        List<Message> list = new ArrayList<>(messages);
        for (int m = 0; m < messages; m++) {
            StringBuilder body = new StringBuilder(perMessage * (160 + padding));
            for (int r = 0; r < perMessage; r++) {
                body.append("{\"customerId\":\"customer-").append(random.nextInt(1_000))
                        .append("\",\"meterApiName\":\"").append(random.nextBoolean() ? "ComputeHours" : "StorageGiB")
                        .append("\",\"meterValue\":").append(random.nextInt(100_000)).append('.').append(random.nextInt(100))
                        .append(",\"meterTimeInMillis\":").append(now - random.nextInt(600_000))
                        .append(",\"dimensions\":{\"region\":\"us-west-").append(random.nextInt(3))
                        .append("\",\"az\":\"az").append(random.nextInt(4)).append("\"}")
                        // C's padding is a field the contract ignores (kept in the raw archive only)
                        .append(pad).append("}\n");
            }
            String group = groups > 0 ? "group-" + (m % groups) : UUID.randomUUID().toString();
            list.add(new Message(group, body.toString()));
        }
        return new Workload(name, description, List.copyOf(list), perMessage);
    }
}
