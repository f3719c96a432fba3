package org.l4lb.core.config;

/** Kind of active health check. */
public enum HealthCheckType implements Named {
    /** No active check: only passive health (nginx open source behaviour). */
    NONE,
    /** A TCP connect that succeeds within the timeout (HAProxy {@code check}). */
    TCP,
    /** Connect, send bytes, expect bytes (HAProxy {@code tcp-check send/expect}). */
    SEND_EXPECT
}
