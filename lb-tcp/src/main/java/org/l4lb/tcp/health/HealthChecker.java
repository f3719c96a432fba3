package org.l4lb.tcp.health;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.HealthCheckType;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;

/** The active health checks of one service's servers, as watchers of the node's shared probes. */
public final class HealthChecker {

    private final HealthChecks checks;
    private final Upstream upstream;
    private final HealthCheckConfig config;
    private final Function<ServerState, SocketAddress> addresses;
    private final List<SharedProbe.Watcher> watching = new ArrayList<>();

    HealthChecker(HealthChecks checks, Upstream upstream, Function<ServerState, SocketAddress> addresses) {
        this.checks = checks;
        this.upstream = upstream;
        this.config = upstream.config().healthCheck();
        this.addresses = addresses;
    }

    public synchronized void start() {
        if (config.type() == HealthCheckType.NONE) {
            return;
        }
        for (ServerState s : upstream.servers()) {
            SharedProbe.Watcher w = new SharedProbe.Watcher(s, upstream.ticker(), addresses);
            watching.add(w);
            checks.watch(s, config, w);
        }
    }

    public synchronized void stop() {
        for (SharedProbe.Watcher w : watching) {
            checks.unwatch(w.server(), config, w);
        }
        watching.clear();
    }
}
