package org.l4lb.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A whole, validated configuration of one node.
 *
 * @param eventLoops event-loop threads; 0 is one per core
 * @param transport the I/O transport the event loops use
 * @param maxConnections client sessions at once over all services; 0 is unlimited
 * @param earlyDataBudget bytes of memory that what clients send before their server connection is
 *     up may hold, over all services; -1 is auto (a quarter of the direct memory limit)
 * @param stateFile where runtime changes are kept across restarts; empty: nowhere
 * @param haInstances the node's VRRP instances, in the order written; one when {@code ha} has no
 *     {@code instances} (check {@link #ha()}'s {@code enabled})
 * @param serverDefaults the file's {@code server-defaults} over reference.conf's, for servers added at runtime
 */
public record LbConfig(
        String nodeName,
        int eventLoops,
        TransportKind transport,
        SpliceMode splice,
        int maxConnections,
        long earlyDataBudget,
        Duration shutdownTimeout,
        AdminConfig admin,
        List<ServiceConfig> services,
        List<HaConfig> haInstances,
        String stateFile,
        com.typesafe.config.Config serverDefaults) {

    public LbConfig {
        services = List.copyOf(services);
        haInstances = List.copyOf(haInstances);
    }

    /**
     * The first instance: what the whole node reads ({@code enabled}, {@code warm-up-connections});
     * null only where reading the configuration found problems.
     */
    public HaConfig ha() {
        return haInstances.isEmpty() ? null : haInstances.get(0);
    }

    /** The same node with other services. */
    public LbConfig withServices(List<ServiceConfig> other) {
        return new LbConfig(nodeName, eventLoops, transport, splice, maxConnections, earlyDataBudget, shutdownTimeout, admin,
                other, haInstances, stateFile, serverDefaults);
    }

    public Optional<ServiceConfig> service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
