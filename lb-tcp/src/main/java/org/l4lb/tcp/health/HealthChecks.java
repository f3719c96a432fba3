package org.l4lb.tcp.health;

import io.netty.channel.EventLoopGroup;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.ServerAddress;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.transport.Transport;

/**
 * The node's active health checks: one probe per server address and check settings, however many
 * services list that server, its result given to each of them.
 */
public final class HealthChecks {

    private final EventLoopGroup group;
    private final Transport transport;
    private final Map<Key, SharedProbe> probes = new HashMap<>();

    private record Key(ServerAddress address, HealthCheckConfig config) {
    }

    public HealthChecks(EventLoopGroup group, Transport transport) {
        this.group = group;
        this.transport = transport;
    }

    /** The checks of one service's servers, to start and, when the service goes or changes, to stop. */
    public HealthChecker of(Upstream upstream, Function<ServerState, SocketAddress> addresses) {
        return new HealthChecker(this, upstream, addresses);
    }

    synchronized void watch(ServerState server, HealthCheckConfig config, SharedProbe.Watcher watcher) {
        probes.computeIfAbsent(new Key(server.config().address(), config),
                k -> new SharedProbe(config, group, transport, this::forget, k)).add(watcher);
    }

    synchronized void unwatch(ServerState server, HealthCheckConfig config, SharedProbe.Watcher watcher) {
        SharedProbe p = probes.get(new Key(server.config().address(), config));
        if (p != null) {
            p.remove(watcher);
        }
    }

    /** A probe with no one left to tell stops, and a later watcher starts a new one. */
    private synchronized boolean forget(Object key, SharedProbe probe) {
        if (probe.idle()) {
            probes.remove(key, probe);
            return true;
        }
        return false;
    }
}
