package org.l4lb.core.config;

import java.time.Duration;

/**
 * A command whose exit status tracks this node's fitness (keepalived {@code vrrp_script}).
 *
 * @param weight priority change while failing; 0 forces FAULT (keepalived semantics)
 */
public record TrackScriptConfig(
        String name,
        String command,
        Duration interval,
        Duration timeout,
        int fall,
        int rise,
        int weight) {
}
