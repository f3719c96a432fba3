package org.l4lb.tcp.admission;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs one line per interval for an event that may come in floods (refusals, bad headers), with
 * how many were folded into it, so an attack or a misconfigured client cannot flood the log.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
    }

    public void warn(String message) {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
            long folded = suppressed.getAndSet(0);
            log.warn(folded == 0 ? message : message + " (and " + folded + " more like it since the last report)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
