package io.meteringest.usage;

import io.meteringest.StartupException;
import java.time.Duration;

/**
 * Event-time windows of {@code ingest.aggregation.window}, aligned to the UTC epoch, closed
 * {@code ingest.aggregation.grace} after their end. A size must divide a day evenly, so windows line
 * up with hours and days.
 */
public record Windows(long sizeMillis, long graceMillis) {

    private static final long DAY = Duration.ofDays(1).toMillis();

    public Windows {
        if (sizeMillis <= 0 || DAY % sizeMillis != 0 || sizeMillis % 1000 != 0) {
            throw new IllegalArgumentException("window must be whole seconds dividing a day evenly");
        }
        if (graceMillis < 0) {
            throw new IllegalArgumentException("grace must not be negative");
        }
    }

    /** Checks the two settings and says which key is wrong and how to fix it. */
    public static Windows of(String windowKey, Duration window, String graceKey, Duration grace) {
        if (window.isZero() || window.isNegative()) {
            throw new StartupException(windowKey + ": must be positive, was " + window);
        }
        long millis = window.toMillis();
        if (millis % 1000 != 0 || millis > DAY || DAY % millis != 0) {
            throw new StartupException(windowKey + ": " + window + " does not divide a day into whole-second"
                    + " windows; use e.g. PT1M, PT5M, PT15M, PT1H or P1D");
        }
        if (grace.isNegative()) {
            throw new StartupException(graceKey + ": must not be negative, was " + grace);
        }
        return new Windows(millis, grace.toMillis());
    }

    public long start(long eventMillis) {
        return Math.floorDiv(eventMillis, sizeMillis) * sizeMillis;
    }

    public long end(long eventMillis) {
        return start(eventMillis) + sizeMillis;
    }

    /** Windows ending at or before this instant are closed at {@code nowMillis}. */
    public long closedBefore(long nowMillis) {
        return nowMillis - graceMillis;
    }
}
