package org.l4lb.tcp.proxy;

import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admission.Admission;
import org.l4lb.tcp.admission.RateLimitedLog;
import org.l4lb.tcp.admission.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service at run time: its config, upstream, admission limits, server addresses and counters.
 * A reload replaces the config, the upstream and the limits in place ({@link #reconfigure}); the
 * counters carry on, and a session keeps the upstream it started with.
 */
public final class Service {

    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    private static final long LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

    private final boolean splice;
    private final EarlyDataBudget earlyData;
    private final boolean domainSockets;
    private volatile ServiceConfig config;
    private volatile Upstream upstream;
    private volatile SessionOptions options;
    private final Admission admission;
    /** Replaced whole, never changed in place: read on every connect without a lock. */
    private volatile Map<ServerState, SocketAddress> addresses = Map.of();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final Map<Refusal, LongAdder> refusals = new EnumMap<>(Refusal.class);
    private final Map<SessionEnd, LongAdder> ends = new EnumMap<>(SessionEnd.class);
    /** One rate limit per kind of event, so a flood of one kind hides no other. */
    private final Map<String, RateLimitedLog> logs = new ConcurrentHashMap<>();

    public Service(ServiceConfig config, Upstream upstream, AtomicInteger globalSessions, int globalMax,
            boolean domainSockets, boolean splice, EarlyDataBudget earlyData) throws UnknownHostException {
        this.splice = splice;
        this.earlyData = earlyData;
        this.domainSockets = domainSockets;
        this.config = config;
        this.upstream = upstream;
        this.options = SessionOptions.of(config, splice, earlyData);
        this.admission = new Admission(config.access(), globalSessions, globalMax, config.maxConnections(),
                config.maxConnectionsPerClient());
        this.addresses = byServer(upstream, resolve(config));
        for (Refusal r : Refusal.values()) {
            refusals.put(r, new LongAdder());
        }
        for (SessionEnd e : SessionEnd.values()) {
            ends.put(e, new LongAdder());
        }
    }

    /**
     * Resolves the servers of {@code next} this service does not have yet: the part of a reload
     * that can fail, done before anything changes.
     *
     * @return server name -> socket address, for {@link #reconfigure}
     */
    public Map<String, SocketAddress> resolve(ServiceConfig next) throws UnknownHostException {
        Map<String, SocketAddress> byName = new HashMap<>();
        addresses.forEach((server, address) -> byName.put(server.name(), address));
        Map<String, SocketAddress> m = new HashMap<>();
        for (ServerConfig sc : next.servers()) {
            SocketAddress a = byName.get(sc.name());
            m.put(sc.name(), a != null ? a : ServerAddresses.resolve(sc.address(), domainSockets));
        }
        return m;
    }

    /**
     * Takes a new configuration for new sessions (a reload). Open sessions keep the upstream and
     * options they started with; servers that left run their sessions to their end.
     *
     * @param resolved what {@link #resolve(ServiceConfig)} gave for {@code c}
     */
    public void reconfigure(ServiceConfig c, Upstream next, Map<String, SocketAddress> resolved, int globalMax) {
        admission.reconfigure(c.access(), globalMax, c.maxConnections(), c.maxConnectionsPerClient());
        this.addresses = byServer(next, resolved);
        this.options = SessionOptions.of(c, splice, earlyData);
        this.config = c;
        this.upstream = next;
    }

    /**
     * Sends this service's access lines to another logger until its next reload: the warm-up's,
     * which runs them through the same appenders and discards them.
     */
    public void accessLog(org.slf4j.Logger to) {
        this.options = options.withAccessLog(to);
    }

    /** The node-wide limit changed (a reload) while this service's own settings did not. */
    public void globalMax(int globalMax) {
        ServiceConfig c = config;
        admission.reconfigure(c.access(), globalMax, c.maxConnections(), c.maxConnectionsPerClient());
    }

    /** The upstream's servers with the addresses their names resolved to. */
    private static Map<ServerState, SocketAddress> byServer(Upstream u, Map<String, SocketAddress> byName) {
        Map<ServerState, SocketAddress> m = new IdentityHashMap<>();
        for (ServerState s : u.servers()) {
            m.put(s, byName.get(s.name()));
        }
        return m;
    }

    public String name() {
        return config.name();
    }

    SessionOptions options() {
        return options;
    }

    public ServiceConfig config() {
        return config;
    }

    public Upstream upstream() {
        return upstream;
    }

    Admission admission() {
        return admission;
    }

    /** The resolved address of one of this service's servers. */
    public SocketAddress addressOf(ServerState server) {
        return addresses.get(server);
    }

    void refused(Refusal why, String client) {
        refusals.get(why).increment();
        log(why.label()).warn("service " + name() + ": refused " + client + ": " + why.label());
    }

    /** Logs a problem of some kind, at most once per interval for that kind. */
    void problem(String kind, String message) {
        log(kind).warn("service " + name() + ": " + message);
    }

    private RateLimitedLog log(String kind) {
        return logs.computeIfAbsent(kind, k -> new RateLimitedLog(LOG, LOG_INTERVAL));
    }

    void started() {
        sessions.increment();
    }

    void retried() {
        retries.increment();
    }

    void ended(SessionEnd end) {
        ends.get(end).increment();
    }

    /** Open sessions; forwarded by the kernel, its servers' open flows. */
    public int activeSessions() {
        if (config().forwarding().kernel()) {
            return upstream().servers().stream().mapToInt(ServerState::sessions).sum();
        }
        return admission.active();
    }

    /** Sessions ever; forwarded by the kernel, the new flows its servers' counters saw. */
    public long totalSessions() {
        if (config().forwarding().kernel()) {
            return upstream().servers().stream().mapToLong(ServerState::totalSessions).sum();
        }
        return sessions.sum();
    }

    public long retries() {
        return retries.sum();
    }

    public long refusals(Refusal why) {
        return refusals.get(why).sum();
    }

    public long ends(SessionEnd end) {
        return ends.get(end).sum();
    }
}
