package org.l4lb.tcp.proxy;

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

    void start() {
        session.client.eventLoop().schedule(this, idleNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        if (session.ended()) {
            return;
        }
        long idle = System.nanoTime() - session.lastActivity;
        if (idle >= idleNanos) {
            session.end(SessionEnd.IDLE_TIMEOUT);
        } else {
            session.client.eventLoop().schedule(this, idleNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
