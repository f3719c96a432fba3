package org.l4lb.tcp.proxy;

import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admission.Admission;
import org.l4lb.tcp.admission.RateLimitedLog;
import org.l4lb.tcp.admission.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One service at run time: its config, upstream, admission limits, server addresses and counters. */
public final class Service {

    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    private static final long LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

    private final ServiceConfig config;
    private final Upstream upstream;
    private final Admission admission;
    private final Map<ServerState, SocketAddress> addresses = new IdentityHashMap<>();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final Map<Refusal, LongAdder> refusals = new EnumMap<>(Refusal.class);
    private final Map<SessionEnd, LongAdder> ends = new EnumMap<>(SessionEnd.class);
    /** One rate limit per kind of event, so a flood of one kind hides no other. */
    private final Map<String, RateLimitedLog> logs = new ConcurrentHashMap<>();

    public Service(ServiceConfig config, Upstream upstream, AtomicInteger globalSessions, int globalMax,
            boolean domainSockets) throws UnknownHostException {
        this.config = config;
        this.upstream = upstream;
        this.admission = new Admission(config.access(), globalSessions, globalMax, config.maxConnections(),
                config.maxConnectionsPerClient());
        for (ServerState s : upstream.servers()) {
            addresses.put(s, ServerAddresses.resolve(s.config().address(), domainSockets));
        }
        for (Refusal r : Refusal.values()) {
            refusals.put(r, new LongAdder());
        }
        for (SessionEnd e : SessionEnd.values()) {
            ends.put(e, new LongAdder());
        }
    }

    public String name() {
        return config.name();
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

    public int activeSessions() {
        return admission.active();
    }

    public long totalSessions() {
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
