package org.l4lb.tcp;

import io.netty.channel.EventLoopGroup;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.time.Ticker;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admin.AdminServer;
import org.l4lb.tcp.admin.Metrics;
import org.l4lb.ha.HaNode;
import org.l4lb.tcp.ha.HaSupport;
import org.l4lb.tcp.health.HealthChecker;
import org.l4lb.tcp.proxy.DataPlane;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Everything one node runs: the services' listeners, health checks, the admin endpoint. */
public final class Node {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final LbConfig config;
    private final Transport transport;
    private final List<Service> services = new ArrayList<>();
    private final List<HealthChecker> checkers = new ArrayList<>();
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private EventLoopGroup checks;
    private DataPlane dataPlane;
    private AdminServer admin;
    private HaNode ha;

    /** {@code transport} is {@code Transport.of(config.transport())}, chosen (or refused) before. */
    public Node(LbConfig config, Transport transport) {
        this.config = config;
        this.transport = transport;
    }

    /** Binds everything; on failure releases what it took and throws. */
    public void start() throws Exception {
        boolean splice = switch (config.splice()) {
            case ON -> {
                if (!transport.splice()) {
                    throw new IllegalStateException("splice = on needs the epoll transport, not " + transport.name()
                            + (transport.fallbackCause().isEmpty() ? "" : " (" + transport.fallbackCause() + ")"));
                }
                yield true;
            }
            case OFF -> false;
            // Decided by measurement: see bench/RESULTS.md.
            case AUTO -> false;
        };
        // One per core by default, as nginx's worker_processes auto and HAProxy's nbthread: a loop
        // with more sessions finds more ready per wake-up, so a keep-alive request costs less CPU
        // than with two per core (10 against 11.5 us); a new connection costs the same. See
        // bench/RESULTS.md (session 9) for what two per core still wins on a box shared with clients.
        int loops = config.eventLoops() == 0 ? Runtime.getRuntime().availableProcessors() : config.eventLoops();
        acceptors = transport.newGroup(1, "l4lb-accept");
        workers = transport.newGroup(loops, "l4lb-io");
        checks = transport.newGroup(1, "l4lb-health");
        try {
            dataPlane = new DataPlane(transport, acceptors, workers, splice);
            AtomicInteger global = new AtomicInteger();
            for (ServiceConfig sc : config.services()) {
                Upstream upstream = Upstream.create(sc, Ticker.SYSTEM, (s, change, reason) ->
                        LOG.info("service {} server {}: {} ({})", sc.name(), s.name(), change, reason));
                Service service;
                try {
                    service = new Service(sc, upstream, global, config.maxConnections(), transport.domainSockets());
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("service " + sc.name() + ": cannot resolve a server: " + e.getMessage(), e);
                }
                services.add(service);
            }
            if (config.ha().enabled()) {
                ha = HaSupport.create(config.ha(), name(), services, this::openSessions);
            }
            Metrics metrics = new Metrics(services, ha);
            for (Service s : services) {
                dataPlane.listen(s);
                HealthChecker hc = new HealthChecker(s.upstream(), checks, transport, s::addressOf);
                checkers.add(hc);
                hc.start();
            }
            admin = new AdminServer(config.admin(), transport, acceptors, metrics, this);
            admin.start();
            summary(splice, loops);
            if (ha != null) {
                // Last: a node takes the VIPs only once it can serve them.
                ha.start();
            }
        } catch (Exception | Error e) {
            if (ha != null) {
                ha.close();
            }
            shutdownGroups();
            throw e;
        }
    }

    private void summary(boolean splice, int loops) {
        LOG.info("l4lb {} started: transport {}{}, {} event loop(s), splice {}, admin http://{}/", Main.version(),
                transport.name(), transport.fallbackCause().isEmpty() ? "" : " (" + transport.fallbackCause() + ")", loops,
                splice ? "on" : "off", config.admin().listen().text());
        for (Service s : services) {
            ServiceConfig c = s.config();
            LOG.info("service {}: listen {} strategy {}{} servers {}", c.name(),
                    c.listen().stream().map(Object::toString).collect(Collectors.joining(",")),
                    c.balance().strategy().configName(), c.balance().consistent() ? " consistent" : "",
                    c.servers().stream().map(sv -> sv.name() + " w=" + sv.weight() + (sv.backup() ? " backup" : "")
                            + (sv.down() ? " down" : "")).collect(Collectors.joining(", ")));
        }
    }

    public List<Service> services() {
        return List.copyOf(services);
    }

    public Transport transport() {
        return transport;
    }

    public boolean splice() {
        return dataPlane.splice();
    }

    public int openSessions() {
        return dataPlane.sessions().size();
    }

    /**
     * Graceful stop: stop accepting, let open sessions finish up to shutdown-timeout, end the rest.
     *
     * @return the number of sessions that had to be cut
     */
    public int drain(Duration timeout) throws InterruptedException {
        if (ha != null) {
            // Planned switchover: the backup takes the VIPs first, then this node stops accepting.
            // With a flow handoff it keeps the VIPs (quietly) while its sessions drain: the new
            // master passes it their packets. The cluster is left last, so the new master keeps
            // passing them until then.
            ha.handOver(config.ha().advertInterval().multipliedBy(3));
        }
        dataPlane.stopAccepting();
        checkers.forEach(HealthChecker::stop);
        LOG.info("draining: {} open session(s), up to {} ms", openSessions(), timeout.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (openSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        int cut = openSessions();
        if (cut > 0) {
            LOG.warn("shutdown-timeout passed: cutting {} session(s)", cut);
            dataPlane.sessions().endAll();
            Thread.sleep(100);
        }
        if (ha != null) {
            ha.close();
        }
        return cut;
    }

    public void stop() {
        if (ha != null) {
            try {
                ha.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (admin != null) {
            admin.stop();
        }
        shutdownGroups();
    }

    private void shutdownGroups() {
        for (EventLoopGroup g : new EventLoopGroup[] {acceptors, workers, checks}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /** The HA node, or null when HA is off. */
    public HaNode ha() {
        return ha;
    }

    public LbConfig config() {
        return config;
    }

    /** node-name, or the host name when it is not set. */
    public String name() {
        if (!config.nodeName().isEmpty()) {
            return config.nodeName();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
