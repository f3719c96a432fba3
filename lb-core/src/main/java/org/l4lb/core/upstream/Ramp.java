package org.l4lb.core.upstream;

/**
 * A timed weight change (gray release): linear from {@code from} to {@code to} over
 * {@code durationNanos}, starting at {@code startNanos}.
 */
public record Ramp(int from, int to, long startNanos, long durationNanos) {

    /** The weight at {@code now}: {@code from} before the start, {@code to} once it has run. */
    public int at(long now) {
        long elapsed = now - startNanos;
        if (elapsed <= 0) {
            return from;
        }
        if (elapsed >= durationNanos) {
            return to;
        }
        return (int) Math.round(from + (to - from) * ((double) elapsed / durationNanos));
    }

    public boolean done(long now) {
        return now - startNanos >= durationNanos;
    }

    /** Nanoseconds until it ends; 0 once it has. */
    public long leftNanos(long now) {
        return Math.max(0, durationNanos - (now - startNanos));
    }
}
