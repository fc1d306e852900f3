package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The codec tests' way to split a body: in memory and, as an Extended Client payload is, streamed from a file. */
final class Splits {

    static final String REC = "{\"customerId\":\"c\",\"meterApiName\":\"m\",\"meterValue\":1,\"meterTimeInMillis\":1}";
    private static final RecordSplitter CODEC = new RecordSplitter();

    private Splits() {
    }

    /** Splits the body in memory and streamed from a file: both must agree. */
    static List<RecordItem> split(String body) {
        return split(body.getBytes(StandardCharsets.UTF_8));
    }

    static List<RecordItem> split(byte[] body) {
        List<RecordItem> items = new ArrayList<>();
        CODEC.split(body).forEachRemaining(items::add);
        assertEquals(items, splitFile(body), "the same body split from a file");
        return items;
    }

    static List<RecordItem> splitFile(byte[] body) {
        try {
            Path file = Files.createTempFile("codec-test-", ".body");
            try {
                Files.write(file, body);
                List<RecordItem> items = new ArrayList<>();
                CODEC.split(file.toFile()).forEachRemaining(items::add);
                return items;
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record as a tree, whether the codec read it into its fields or as a tree already. */
    static JsonNode tree(RecordItem item) {
        return item.fields() != null ? item.asTree().get().json() : item.json();
    }
}
