package org.l4lb.core.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.l4lb.core.balance.Attempt;
import org.l4lb.core.balance.Balancer;
import org.l4lb.core.balance.Balancers;
import org.l4lb.core.balance.Persistence;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.time.Ticker;

/**
 * The servers of one service and how a session gets one: persistence first (if on), then the
 * strategy over the eligible primaries, then over the backups while no primary is eligible.
 */
public final class Upstream {

    private final ServiceConfig config;
    private final Ticker ticker;
    /** Primaries in declared order, then backups in declared order; an attempt's tried bits use these indices. */
    private final ServerState[] servers;
    private final int primaryCount;
    private final Balancer primary;
    private final Balancer backup;
    private final Persistence persistence;

    private Upstream(ServiceConfig config, Ticker ticker, ServerState[] servers, int primaryCount) {
        this.config = config;
        this.ticker = ticker;
        this.servers = servers;
        this.primaryCount = primaryCount;
        ServerState[] primaries = java.util.Arrays.copyOfRange(servers, 0, primaryCount);
        ServerState[] backups = java.util.Arrays.copyOfRange(servers, primaryCount, servers.length);
        this.primary = Balancers.create(config.balance(), primaries, 0);
        this.backup = backups.length == 0 ? null : Balancers.create(config.balance(), backups, primaryCount);
        this.persistence = config.balance().persistenceTimeout().isZero() ? null
                : new Persistence(servers, config.balance().persistenceTimeout().toNanos(),
                        config.balance().persistenceMaxEntries());
    }

    /** Retires the servers the next upstream no longer has and hands on the persistence entries it can keep. */
    private void takeOver(Upstream previous) {
        for (ServerState s : previous.servers) {
            if (server(s.name()).orElse(null) != s) {
                s.retire("no longer in the configuration");
            }
        }
        if (persistence != null && previous.persistence != null) {
            persistence.carry(previous.persistence);
        }
    }

    public static Upstream create(ServiceConfig config, Ticker ticker, ServerStateListener listener) {
        return reload(null, config, ticker, listener);
    }

    /**
     * Builds the upstream of a new config. A server whose address is unchanged keeps its
     * {@link ServerState} (sessions, counters, health, admin state, runtime weight unless the
     * configured weight changed). The previous upstream's other servers are retired: they take no
     * new session and their open ones run to their end. Persistence entries of kept servers stay.
     */
    public static Upstream reload(Upstream previous, ServiceConfig config, Ticker ticker, ServerStateListener listener) {
        Map<String, ServerState> old = new HashMap<>();
        if (previous != null) {
            for (ServerState s : previous.servers) {
                old.put(s.name(), s);
            }
        }
        long now = ticker.nanos();
        HealthCheckConfig hc = config.healthCheck();
        List<ServerState> ordered = new ArrayList<>();
        for (boolean backups : new boolean[] {false, true}) {
            for (ServerConfig sc : config.servers()) {
                if (sc.backup() != backups) {
                    continue;
                }
                ServerState s = old.get(sc.name());
                if (s == null) {
                    s = new ServerState(sc, hc.rise(), hc.fall(), now, listener);
                } else {
                    s.apply(sc, hc.rise(), hc.fall(), now);
                }
                ordered.add(s);
            }
        }
        int primaryCount = (int) config.servers().stream().filter(s -> !s.backup()).count();
        Upstream next = new Upstream(config, ticker, ordered.toArray(new ServerState[0]), primaryCount);
        if (previous != null) {
            next.takeOver(previous);
        }
        return next;
    }

    public ServiceConfig config() {
        return config;
    }

    /** A fresh attempt for a client of this upstream. */
    public Attempt newAttempt() {
        return new Attempt(servers.length);
    }

    /**
     * Picks a server for the attempt, takes a session slot on it and marks it tried.
     *
     * @return the server, or null when no server can take the session (null, not Optional:
     *     this runs once per connection and allocates nothing)
     */
    public ServerState select(Attempt attempt) {
        long now = ticker.nanos();
        // Each round either returns or marks one more server tried, so this ends.
        for (int round = 0; round <= servers.length; round++) {
            int index = persistence == null ? -1 : persistence.lookup(attempt, now);
            if (index < 0) {
                index = primary.pick(attempt, now);
            }
            if (index < 0 && backup != null) {
                index = backup.pick(attempt, now);
                if (index >= 0) {
                    index += primaryCount;
                }
            }
            if (index < 0) {
                return null;
            }
            ServerState s = servers[index];
            attempt.markTried(index);
            if (!s.tryAcquire()) {
                // Another event loop took the last max-conns slot since the pick.
                continue;
            }
            s.picked(now);
            if (persistence != null) {
                persistence.remember(attempt, index, now);
            }
            return s;
        }
        return null;
    }

    /** Whether any server (primary or backup) may take a new session now: what HA tracking asks. */
    public boolean hasEligible() {
        long now = ticker.nanos();
        for (ServerState s : servers) {
            if (s.eligible(now)) {
                return true;
            }
        }
        return false;
    }

    public List<ServerState> servers() {
        return List.of(servers);
    }

    public Optional<ServerState> server(String name) {
        for (ServerState s : servers) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Sets a server's runtime weight at once (0..1000; 0 takes no new session), cancelling a ramp. */
    public void weight(String name, int weight, String reason) {
        weight(name, weight, 0, reason);
    }

    /**
     * Moves a server's runtime weight (gray release) to {@code weight}, 0..1000: at once when
     * {@code rampNanos} is 0, else linearly from its weight now over that long. A new change
     * cancels a ramp under way.
     */
    public void weight(String name, int weight, long rampNanos, String reason) {
        checkWeight(weight, rampNanos);
        ServerState s = server(name).orElseThrow(() -> new IllegalArgumentException(
                "service '" + config.name() + "' has no server " + name));
        synchronized (this) {
            int old = s.weight();
            if (rampNanos == 0) {
                s.weight(weight);
                weightsChanged();
                if (old != weight) {
                    s.notifyChange("weight " + old + " -> " + weight, reason);
                }
            } else {
                s.rampTo(weight, rampNanos, ticker.nanos());
                s.notifyChange("weight " + old + " -> " + weight + " over " + rampNanos / 1_000_000 + "ms", reason);
            }
        }
    }

    /** Refuses what {@link #weight(String, int, long, String)} would, before anything is changed. */
    public static void checkWeight(int weight, long rampNanos) {
        if (weight < 0 || weight > 1000) {
            throw new IllegalArgumentException("weight must be between 0 and 1000, got " + weight);
        }
        if (rampNanos < 0) {
            throw new IllegalArgumentException("ramp must not be negative");
        }
    }

    /** Moves every ramp under way to where it is now; called often (a second or less) while any runs. */
    public void stepRamps() {
        long now = ticker.nanos();
        boolean changed = false;
        synchronized (this) {
            for (ServerState s : servers) {
                changed |= s.stepRamp(now);
            }
            if (changed) {
                weightsChanged();
            }
        }
    }

    /** Whether a weight ramp is under way on any server. */
    public boolean ramping() {
        for (ServerState s : servers) {
            if (s.ramp() != null) {
                return true;
            }
        }
        return false;
    }

    private void weightsChanged() {
        primary.weightsChanged();
        if (backup != null) {
            backup.weightsChanged();
        }
    }

    /** Sets a server's admin state (enable, drain, disable). */
    public void admin(String name, AdminState state, String reason) {
        ServerState s = server(name).orElseThrow(() -> new IllegalArgumentException(
                "service '" + config.name() + "' has no server " + name));
        s.admin(state, reason, ticker.nanos());
    }

    public Optional<Persistence> persistence() {
        return Optional.ofNullable(persistence);
    }

    public Ticker ticker() {
        return ticker;
    }
}
