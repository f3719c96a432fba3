package org.l4lb.core.config;

import java.time.Duration;

/**
 * Active health check of a service's servers.
 *
 * @param send bytes to send after connecting ({@code send-expect} only)
 * @param expect bytes the reply must start with ({@code send-expect} only)
 */
public record HealthCheckConfig(
        HealthCheckType type,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        String send,
        String expect) {
}
