package org.l4lb.core.config;

/**
 * A network interface whose link tracks this node's fitness (keepalived {@code track_interface}):
 * it fails while the link is down, has no carrier, is gone, or has no address of its own.
 *
 * @param weight priority change while failing; 0 forces FAULT (keepalived's default)
 */
public record TrackInterfaceConfig(String name, int weight) {
}
