package org.l4lb.tcp;

import io.netty.channel.EventLoopGroup;
import java.net.UnknownHostException;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServiceChanges;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.time.Ticker;
import org.l4lb.core.upstream.ServerStateListener;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admin.AdminServer;
import org.l4lb.tcp.admin.Metrics;
import org.l4lb.tcp.admin.NodeState;
import org.l4lb.tcp.admin.history.History;
import org.l4lb.tcp.admin.history.Sampler;
import org.l4lb.tcp.admin.history.Timeline;
import org.l4lb.tcp.ha.HaInstances;
import org.l4lb.tcp.kernel.ConntrackSync;
import org.l4lb.tcp.kernel.KernelForwarding;
import org.l4lb.tcp.health.HealthChecker;
import org.l4lb.tcp.health.HealthChecks;
import org.l4lb.tcp.proxy.DataPlane;
import org.l4lb.tcp.proxy.EarlyDataBudget;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.transport.Transport;
import org.l4lb.tcp.warmup.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one node runs: the services' listeners, health checks, the admin endpoint. A running
 * configuration is a value: {@link #apply} moves the node to another one in place.
 */
public final class Node implements NodeState {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** The warm-up's bound, whatever its count: a starved machine must not hold the node out for long. */
    private static final Duration WARMUP_LIMIT = Duration.ofSeconds(20);
    /** How often weight ramps move: fine enough that a ramp over a minute moves in small steps. */
    private static final long RAMP_STEP_MS = 250;

    private volatile LbConfig config;
    private final Transport transport;
    private final Operations operations;
    /** By name, in the configuration's order. Changed only under this node's lock; read anywhere. */
    private volatile Map<String, Service> services = Map.of();
    private final Map<Service, HealthChecker> checkers = new LinkedHashMap<>();
    private final AtomicInteger globalSessions = new AtomicInteger();
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private EventLoopGroup checks;
    private HealthChecks healthChecks;
    private DataPlane dataPlane;
    private AdminServer admin;
    private Metrics metrics;
    private HaInstances ha;
    private final long startedAtMillis = System.currentTimeMillis();
    private int eventLoops;
    private final Timeline timeline = new Timeline();
    private final History history = new History();
    /** Null until a service is forwarded by the kernel. */
    private volatile KernelForwarding kernel;

    /**
     * @param transport {@code Transport.of(config.transport())}, chosen (or refused) before
     * @param operations what the admin API, signals and the command line change the node through
     */
    public Node(LbConfig config, Transport transport, Operations operations) {
        this.config = config;
        this.transport = transport;
        this.operations = operations;
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
        // bench/RESULTS.md for what two per core still wins on a box shared with clients.
        int loops = config.eventLoops() == 0 ? Runtime.getRuntime().availableProcessors() : config.eventLoops();
        eventLoops = loops;
        acceptors = transport.newGroup(1, "l4lb-accept");
        workers = transport.newGroup(loops, "l4lb-io");
        checks = transport.newGroup(1, "l4lb-health");
        healthChecks = new HealthChecks(checks, transport);
        try {
            dataPlane = new DataPlane(transport, acceptors, workers, splice, new EarlyDataBudget(config.earlyDataBudget()));
            Map<String, Service> made = new LinkedHashMap<>();
            for (ServiceConfig sc : config.services()) {
                made.put(sc.name(), newService(sc, config.maxConnections()));
            }
            services = made;
            if (anyKernel(config)) {
                kernel = KernelForwarding.start(this::services);
            }
            if (config.ha().enabled()) {
                ha = HaInstances.create(config.haInstances(), name(), this::service, this::services, this::openSessions);
                for (HaInstances.Instance i : ha.all()) {
                    String who = ha.all().size() == 1 ? "" : "instance " + i.name() + ": ";
                    i.node().onTransition((state, reason) -> timeline.add("ha", who + state + " (" + reason + ")"));
                }
                if (config.ha().conntrackSync().enabled()) {
                    ha.syncFlows(ConntrackSync.start(config.ha().conntrackSync(),
                            Path.of(System.getProperty("java.io.tmpdir"), "l4lb-" + name())));
                }
            }
            metrics = new Metrics(services(), ha, dataPlane.earlyData());
            for (Service s : made.values()) {
                dataPlane.listen(s);
                startChecks(s);
            }
            admin = new AdminServer(config.admin(), transport, acceptors, metrics, this, operations, Main.version());
            admin.start();
            checks.scheduleAtFixedRate(this::stepRamps, RAMP_STEP_MS, RAMP_STEP_MS, TimeUnit.MILLISECONDS);
            Sampler sampler = new Sampler(this::services, history);
            checks.scheduleAtFixedRate(sampler::sample, 0, History.INTERVAL_MS, TimeUnit.MILLISECONDS);
            summary(splice, loops);
            if (ha != null) {
                ha.prepare();
                if (config.ha().warmUpConnections() > 0) {
                    warmUp(config.ha().warmUpConnections());
                }
                // Last: a node takes the VIPs only once it can serve them.
                ha.start();
            }
        } catch (Exception | Error e) {
            if (ha != null) {
                ha.close();
            }
            closeKernel();
            shutdownGroups();
            throw e;
        }
    }

    private Service newService(ServiceConfig sc, int globalMax) {
        Upstream upstream = Upstream.create(sc, Ticker.SYSTEM, listener(sc.name()));
        try {
            return new Service(sc, upstream, globalSessions, globalMax, transport.domainSockets(),
                    dataPlane.splice(), dataPlane.earlyData());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("service " + sc.name() + ": cannot resolve a server: " + e.getMessage(), e);
        }
    }

    /**
     * Before joining: a node that may become master at once (a preempting node, a standby after a
     * failover) serves its first clients with compiled code. A warm-up that cannot run costs
     * speed, not availability: the node joins all the same.
     */
    private void warmUp(int connections) throws InterruptedException {
        try {
            Warmup.log(Warmup.run(dataPlane, this::warmupService, connections, WARMUP_LIMIT));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("warm-up skipped: {}", e.toString());
        }
    }

    /** A service outside the node's: no shared session count, no limit, no state logged. */
    private Service warmupService(ServiceConfig sc) {
        try {
            return new Service(sc, Upstream.create(sc, Ticker.SYSTEM, (s, change, reason) -> { }), new AtomicInteger(), 0,
                    transport.domainSockets(), dataPlane.splice(), dataPlane.earlyData());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private ServerStateListener listener(String service) {
        return (s, change, reason) -> {
            LOG.info("service {} server {}: {} ({})", service, s.name(), change, reason);
            timeline.add("server", "service " + service + " server " + s.name() + ": " + change + " (" + reason + ")");
        };
    }

    private void startChecks(Service s) {
        HealthChecker hc = healthChecks.of(s.upstream(), s::addressOf);
        HealthChecker old = checkers.put(s, hc);
        if (old != null) {
            old.stop();
        }
        hc.start();
    }

    private void stepRamps() {
        for (Service s : services.values()) {
            Upstream u = s.upstream();
            if (u.ramping()) {
                u.stepRamps();
            }
        }
    }

    /**
     * Moves the running node to {@code next} in place: services and listen addresses added and
     * removed, servers added, removed (their sessions run to their end) or changed, strategies,
     * limits, timeouts and health checks swapped for new sessions, HA election settings. What can
     * fail (names to resolve, addresses to bind) is done first; if any of it fails, what was
     * bound is closed and the node runs on as before.
     *
     * <p>Settings a live process cannot change are the caller's to refuse ({@code RestartNeeded}).
     *
     * @return what changed, one line each, for the log and the operator
     * @throws IllegalStateException when a step that can fail did; nothing changed
     */
    public synchronized List<String> apply(LbConfig next) throws InterruptedException {
        if (kernel == null && anyKernel(next)) {
            kernel = KernelForwarding.start(this::services); // throws, naming what is missing: nothing changed
        }
        LbConfig running = config;
        Map<String, Service> current = services;
        List<String> changes = new ArrayList<>();

        // 1. What can fail, with nothing yet changed: upstreams and addresses of kept services,
        //    new services and their listeners, new listen addresses of kept services.
        Map<Service, Map<String, java.net.SocketAddress>> prepared = new LinkedHashMap<>();
        Map<String, Service> added = new LinkedHashMap<>();
        List<Runnable> undo = new ArrayList<>();
        try {
            for (ServiceConfig sc : next.services()) {
                Service s = current.get(sc.name());
                if (s == null) {
                    Service made = newService(sc, next.maxConnections());
                    dataPlane.listen(made);
                    undo.add(() -> dataPlane.unlisten(made));
                    added.put(sc.name(), made);
                    continue;
                }
                if (!sc.equals(s.config())) {
                    prepared.put(s, s.resolve(sc));
                }
                for (HostPort hp : sc.listen()) {
                    if (!s.config().listen().contains(hp)) {
                        dataPlane.listen(s, hp);
                        undo.add(() -> dataPlane.unlisten(s, hp));
                    }
                }
            }
        } catch (IllegalStateException | UnknownHostException e) {
            undo.forEach(Runnable::run);
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException | RuntimeException e) {
            undo.forEach(Runnable::run);
            throw e;
        }

        // 2. The commit: nothing below can fail on the configuration's account.
        this.config = next;
        Map<String, Service> after = new LinkedHashMap<>();
        for (ServiceConfig sc : next.services()) {
            Service s = current.get(sc.name());
            if (s == null) {
                s = added.get(sc.name());
                startChecks(s);
                changes.add("service " + sc.name() + " added: listen " + listenText(sc));
            } else {
                Map<String, java.net.SocketAddress> resolved = prepared.get(s);
                if (resolved != null) {
                    ServiceConfig old = s.config();
                    // Kept servers keep their state; removed ones retire.
                    Upstream upstream = Upstream.reload(s.upstream(), sc, Ticker.SYSTEM, listener(sc.name()));
                    s.reconfigure(sc, upstream, resolved, next.maxConnections());
                    changes.addAll(ServiceChanges.between(old, sc));
                    if (!old.healthCheck().equals(sc.healthCheck()) || !old.servers().equals(sc.servers())) {
                        startChecks(s);
                    }
                } else if (running.maxConnections() != next.maxConnections()) {
                    s.globalMax(next.maxConnections());
                }
                for (HostPort hp : dataPlane.listening(s)) {
                    if (!sc.listen().contains(hp)) {
                        dataPlane.unlisten(s, hp);
                    }
                }
            }
            after.put(sc.name(), s);
        }
        for (Service gone : current.values()) {
            if (!after.containsKey(gone.name())) {
                retire(gone, next.shutdownTimeout());
                changes.add("service " + gone.name() + " removed: " + dataPlane.sessions().size(gone)
                        + " open session(s) run to their end, cut after " + next.shutdownTimeout().toMillis() + "ms");
            }
        }
        services = after;
        metrics.sync(services());
        if (running.earlyDataBudget() != next.earlyDataBudget()) {
            dataPlane.earlyData().limit(next.earlyDataBudget());
            changes.add("early-data-budget " + dataPlane.earlyData().limit() + " bytes");
        }
        if (running.maxConnections() != next.maxConnections()) {
            changes.add("max-connections " + running.maxConnections() + " -> " + next.maxConnections());
        }
        if (!Objects.equals(running.admin().token(), next.admin().token())) {
            changes.add("admin token changed");
        }
        if (ha != null) {
            changes.addAll(ha.reload(running.haInstances(), next.haInstances(), this::service));
        }
        return changes;
    }

    /** A removed service: stops accepting, its sessions run on, and are cut once its shutdown-timeout passed. */
    private void retire(Service s, Duration timeout) {
        dataPlane.unlisten(s);
        HealthChecker hc = checkers.remove(s);
        if (hc != null) {
            hc.stop();
        }
        for (var server : s.upstream().servers()) {
            server.admin(org.l4lb.core.upstream.AdminState.DRAINING, "service removed", System.nanoTime());
        }
        checks.schedule(() -> {
            int open = dataPlane.sessions().size(s);
            if (open > 0) {
                LOG.warn("service {} (removed): shutdown-timeout passed, cutting {} session(s)", s.name(), open);
                dataPlane.sessions().endAll(s);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String listenText(ServiceConfig c) {
        return c.listen().stream().map(Object::toString).collect(Collectors.joining(","));
    }

    private void summary(boolean splice, int loops) {
        LOG.info("l4lb {} started: transport {}{}, {} event loop(s), splice {}, admin http://{}/", Main.version(),
                transport.name(), transport.fallbackCause().isEmpty() ? "" : " (" + transport.fallbackCause() + ")", loops,
                splice ? "on" : "off", config.admin().listen().text());
        for (Service s : services.values()) {
            ServiceConfig c = s.config();
            LOG.info("service {}: listen {} strategy {}{} servers {}", c.name(), listenText(c),
                    c.balance().strategy().configName(), c.balance().consistent() ? " consistent" : "",
                    c.servers().stream().map(sv -> sv.name() + " w=" + sv.weight() + (sv.backup() ? " backup" : "")
                            + (sv.down() ? " down" : "")).collect(Collectors.joining(", ")));
        }
    }

    @Override
    public List<Service> services() {
        return List.copyOf(services.values());
    }

    /** The running service of that name, if any. */
    public java.util.Optional<Service> service(String name) {
        return java.util.Optional.ofNullable(services.get(name));
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public boolean splice() {
        return dataPlane.splice();
    }

    @Override
    public int openSessions() {
        return dataPlane.sessions().size();
    }

    public DataPlane dataPlane() {
        return dataPlane;
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
            ha.handOver();
        }
        dataPlane.stopAccepting();
        synchronized (this) {
            checkers.values().forEach(HealthChecker::stop);
        }
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
        closeKernel();
        if (admin != null) {
            admin.stop();
        }
        shutdownGroups();
    }

    private static boolean anyKernel(LbConfig c) {
        return c.services().stream().anyMatch(s -> s.forwarding().kernel());
    }

    /** The kernel's table goes: nothing of ours forwards any more. */
    private void closeKernel() {
        KernelForwarding k = kernel;
        if (k != null) {
            k.close();
            kernel = null;
        }
    }

    private void shutdownGroups() {
        for (EventLoopGroup g : new EventLoopGroup[] {acceptors, workers, checks}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    @Override
    public int eventLoops() {
        return eventLoops;
    }

    @Override
    public long startedAtMillis() {
        return startedAtMillis;
    }

    @Override
    public Timeline timeline() {
        return timeline;
    }

    @Override
    public History history() {
        return history;
    }

    /** The HA instances, or null when HA is off. */
    @Override
    public HaInstances ha() {
        return ha;
    }

    /** The configuration in force: the file's, with the runtime changes over it. */
    public LbConfig config() {
        return config;
    }

    /** node-name, or the host name when it is not set. */
    @Override
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
