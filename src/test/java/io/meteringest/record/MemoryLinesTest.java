package io.meteringest.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The 8-byte newline scan finds what a byte-by-byte scan finds, at every alignment. */
class MemoryLinesTest {

    @Test
    void finds_the_first_newline_wherever_it_stands_in_a_word() {
        for (int length = 0; length <= 24; length++) {
            for (int newline = -1; newline < length; newline++) {
                byte[] body = new byte[length];
                java.util.Arrays.fill(body, (byte) 'x');
                if (newline >= 0) {
                    body[newline] = '\n';
                }
                // bytes that differ from '\n' by one bit must not count as a newline
                for (int i = newline + 1; i < length; i++) {
                    body[i] = (byte) (i % 2 == 0 ? 0x0B : 0x8A);
                }
                for (int from = 0; from <= length; from++) {
                    assertEquals(byteByByte(body, from), MemoryLines.indexOfNewline(body, from),
                            "length " + length + ", newline at " + newline + ", from " + from);
                }
            }
        }
    }

    @Test
    void gives_each_line_without_its_newline_from_the_offset_on() {
        byte[] body = "BOMa\nbbbbbbbbbbbb\n\nccc\r\n".getBytes(StandardCharsets.UTF_8);
        MemoryLines lines = new MemoryLines(body, 3);
        List<String> read = new ArrayList<>();
        while (lines.next()) {
            read.add(new String(lines.buffer(), lines.from(), lines.to() - lines.from(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("a", "bbbbbbbbbbbb", "", "ccc\r"), read);
    }

    private static int byteByByte(byte[] body, int from) {
        for (int i = from; i < body.length; i++) {
            if (body[i] == '\n') {
                return i;
            }
        }
        return body.length;
    }
}
