package io.meteringest.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meteringest.StartupException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowsTest {

    private final Windows minute = Windows.of("w", Duration.ofMinutes(1), "g", Duration.ofSeconds(30));

    @Test
    void places_events_in_windows_aligned_to_the_epoch() {
        assertEquals(1619445660000L, minute.start(1619445706909L));
        assertEquals(1619445720000L, minute.end(1619445706909L));
        assertEquals(1619445660000L, minute.start(1619445660000L), "the first millisecond belongs to its window");
        assertEquals(1619445600000L, minute.start(1619445659999L), "the last millisecond belongs to the window before");
        assertEquals(0L, minute.start(1L));
        assertEquals(-60000L, minute.start(-1L), "floor, not truncation, before the epoch");
    }

    @Test
    void a_window_is_closed_grace_after_its_end() {
        long end = 1619445720000L;
        assertEquals(end, minute.closedBefore(end + 30_000), "closed exactly at end + grace");
        assertEquals(end - 1, minute.closedBefore(end + 29_999));
    }

    @Test
    void rejects_zero_negative_and_odd_window_sizes_with_the_key() {
        StartupException zero = assertThrows(StartupException.class,
                () -> Windows.of("ingest.aggregation.window", Duration.ZERO, "ingest.aggregation.grace", Duration.ZERO));
        assertEquals("ingest.aggregation.window: must be positive, was PT0S", zero.getMessage());
        assertEquals("ingest.aggregation.window: must be positive, was PT-1M", assertThrows(StartupException.class,
                () -> Windows.of("ingest.aggregation.window", Duration.ofMinutes(-1), "g", Duration.ZERO)).getMessage());
        for (Duration odd : new Duration[] {Duration.ofMinutes(7), Duration.ofMillis(1500), Duration.ofDays(2), Duration.ofSeconds(11)}) {
            StartupException e = assertThrows(StartupException.class,
                    () -> Windows.of("ingest.aggregation.window", odd, "g", Duration.ZERO));
            assertEquals("ingest.aggregation.window: " + odd + " does not divide a day into whole-second windows;"
                    + " use e.g. PT1M, PT5M, PT15M, PT1H or P1D", e.getMessage());
        }
        assertEquals("ingest.aggregation.grace: must not be negative, was PT-1S", assertThrows(StartupException.class,
                () -> Windows.of("w", Duration.ofMinutes(1), "ingest.aggregation.grace", Duration.ofSeconds(-1))).getMessage());
    }

    @Test
    void accepts_windows_that_divide_a_day() {
        for (Duration ok : new Duration[] {Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
                Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1)}) {
            assertEquals(ok.toMillis(), Windows.of("w", ok, "g", Duration.ZERO).sizeMillis());
        }
    }
}
