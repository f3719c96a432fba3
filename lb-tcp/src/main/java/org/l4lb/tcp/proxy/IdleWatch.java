package org.l4lb.tcp.proxy;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a session after idle-timeout with no bytes either way. It reads the session's last activity
 * instead of watching the pipeline, so it also sees bytes that never enter the pipeline (splice).
 */
final class IdleWatch implements Runnable {

    private final Session session;
    private final long idleNanos;

    IdleWatch(Session session, long idleNanos) {
        this.session = session;
        this.idleNanos = idleNanos;
    }

    private ScheduledFuture<?> next;

    void start() {
        next = session.eventLoop().schedule(this, idleNanos, TimeUnit.NANOSECONDS);
    }

    /** Drops the pending check, so ended sessions do not pile up in the event loop's timer queue. */
    void cancel() {
        if (next != null) {
            next.cancel(false);
        }
    }

    @Override
    public void run() {
        if (session.ended()) {
            return;
        }
        long idle = System.nanoTime() - session.lastActivityNanos();
        if (idle >= idleNanos) {
            session.end(SessionEnd.IDLE_TIMEOUT);
        } else {
            next = session.eventLoop().schedule(this, idleNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
