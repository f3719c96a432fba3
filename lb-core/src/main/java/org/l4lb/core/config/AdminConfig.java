package org.l4lb.core.config;

/**
 * The admin/metrics listener.
 *
 * @param listen where {@code /metrics} and {@code /status} are served
 * @param token bearer token required for changes; empty allows only reads
 */
public record AdminConfig(HostPort listen, String token) {
}
