package org.l4lb.core.config;

import java.time.Duration;

/**
 * One server of a service, with nginx {@code server} parameters.
 *
 * @param address where it listens
 * @param weight share of traffic, 0..1000 (nginx {@code weight}); 0 takes no new session (HAProxy's weight 0)
 * @param down never picked (nginx {@code down})
 * @param backup picked only while no primary is eligible (nginx {@code backup})
 * @param maxFails failures within {@code failTimeout} that take it out; 0 disables (nginx {@code max_fails})
 * @param failTimeout failure window and how long it stays out (nginx {@code fail_timeout})
 * @param maxConns most sessions at once; 0 is unlimited (nginx {@code max_conns})
 * @param slowStart ramp its weight up over this long after it becomes eligible; zero is off
 * @param resolve its host name is resolved again every resolve-interval, each address a server
 *     (nginx {@code resolve})
 */
public record ServerConfig(
        ServerAddress address,
        int weight,
        boolean down,
        boolean backup,
        int maxFails,
        Duration failTimeout,
        int maxConns,
        Duration slowStart,
        boolean resolve) {

    /** A server whose name, if any, resolves once. */
    public ServerConfig(ServerAddress address, int weight, boolean down, boolean backup, int maxFails, Duration failTimeout,
            int maxConns, Duration slowStart) {
        this(address, weight, down, backup, maxFails, failTimeout, maxConns, slowStart, false);
    }

    /** The same server at another address (one that its name resolved to). */
    public ServerConfig at(ServerAddress other) {
        return new ServerConfig(other, weight, down, backup, maxFails, failTimeout, maxConns, slowStart, false);
    }

    /** The address text that identifies this server across reloads and in logs. */
    public String name() {
        return address.text();
    }
}
