package org.l4lb.ha.handoff;

import java.util.function.IntSupplier;

/**
 * The old master's side of a flow handoff: how long it keeps the VIPs quietly, serving the
 * connections open on them. At least {@code min} (the new master's ARPs go out and the handshakes
 * in flight complete: their last ACK arrives passed on), then until no session is open, at most
 * {@code max}. Begun and ended on the election thread; {@link #active()} is read from any.
 */
public final class QuietHold {

    private final long minNanos;
    private final long maxNanos;
    private final IntSupplier openSessions;
    private volatile long since = -1;

    public QuietHold(long minNanos, long maxNanos, IntSupplier openSessions) {
        this.minNanos = minNanos;
        this.maxNanos = Math.max(minNanos, maxNanos);
        this.openSessions = openSessions;
    }

    public void begin(long now) {
        since = now;
    }

    public boolean active() {
        return since >= 0;
    }

    /** Whether the hold has done its work, or must end anyway. */
    public boolean over(long now) {
        long held = now - since;
        return active() && (held >= maxNanos || held >= minNanos && openSessions.getAsInt() == 0);
    }

    public int openSessions() {
        return openSessions.getAsInt();
    }

    public long heldMillis(long now) {
        return active() ? (now - since) / 1_000_000 : 0;
    }

    public void end() {
        since = -1;
    }
}
