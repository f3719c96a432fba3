package org.l4lb.core.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.l4lb.core.balance.Candidate;
import org.l4lb.core.config.ServerConfig;

/**
 * The runtime state of one server address: admin state, active and passive health, open sessions,
 * runtime weight and counters. It outlives a reload that keeps the address.
 *
 * <p>Eligibility for a new session = admin ENABLED x not {@code down} x active health up x
 * passive health available x a free slot under {@code max-conns}.
 */
public final class ServerState implements Candidate {

    private final String name;
    private final ServerStateListener listener;
    private volatile ServerConfig config;
    private volatile AdminState admin = AdminState.ENABLED;
    /** The runtime weight now; a ramp moves it step by step ({@link #stepRamp}). */
    private volatile int weight;
    /** The weight change under way, or null. */
    private volatile Ramp ramp;
    /** Removed from its service (reload or API): takes nothing new, its open sessions run to their end. */
    private volatile boolean retired;
    private volatile ActiveHealth active;
    private volatile PassiveHealth passive;
    /** When the server last became eligible, for the slow-start ramp. */
    private volatile long eligibleSince;
    private final AtomicInteger sessions = new AtomicInteger();

    private final LongAdder totalSessions = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder bytesToServer = new LongAdder();
    private final LongAdder bytesToClient = new LongAdder();
    /** Counted only where the kernel forwards: the proxy relays bytes, not packets. */
    private final LongAdder packetsToServer = new LongAdder();
    private final LongAdder packetsToClient = new LongAdder();

    ServerState(ServerConfig config, int rise, int fall, long now, ServerStateListener listener) {
        this.name = config.name();
        this.listener = listener;
        this.eligibleSince = now - config.slowStart().toNanos();
        apply(config, rise, fall, now);
    }

    /** Takes new parameters on reload; counters, sessions, admin state and health stay. */
    void apply(ServerConfig newConfig, int rise, int fall, long now) {
        ServerConfig old = this.config;
        this.config = newConfig;
        if (old == null || old.weight() != newConfig.weight()) {
            // The file changed this very setting: it wins over a runtime weight or ramp.
            this.weight = newConfig.weight();
            this.ramp = null;
        }
        if (active == null) {
            active = new ActiveHealth(rise, fall, true);
        } else if (active.rise() != rise || active.fall() != fall) {
            active = new ActiveHealth(rise, fall, active.up());
        }
        if (passive == null || old.maxFails() != newConfig.maxFails() || !old.failTimeout().equals(newConfig.failTimeout())) {
            passive = new PassiveHealth(newConfig.maxFails(), newConfig.failTimeout().toNanos(), now);
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The last change of this server's state or weight, with its reason, as an operator reads it. */
    public record LastChange(String change, String reason, long epochMillis) {
    }

    private volatile LastChange lastChange;

    private void changed(String change, String reason) {
        // Wall-clock time, for people to read; no decision depends on it.
        lastChange = new LastChange(change, reason, System.currentTimeMillis());
        listener.changed(this, change, reason);
    }

    /** Null until something changed. */
    public LastChange lastChange() {
        return lastChange;
    }

    public ServerConfig config() {
        return config;
    }

    public AdminState admin() {
        return admin;
    }

    public void admin(AdminState state, String reason, long now) {
        AdminState old = this.admin;
        this.admin = state;
        if (old != state) {
            if (state == AdminState.ENABLED) {
                eligibleSince = now;
            }
            changed("admin " + state.name().toLowerCase(java.util.Locale.ROOT), reason);
        }
    }

    /** Runtime weight (nginx {@code weight}) now; changed through {@link Upstream#weight}. 0 takes nothing new. */
    @Override
    public int weight() {
        return weight;
    }

    /** Sets the weight at once, cancelling a ramp. */
    void weight(int w) {
        this.ramp = null;
        this.weight = w;
    }

    /** Starts moving the weight linearly from where it is now to {@code target}. */
    void rampTo(int target, long durationNanos, long now) {
        this.ramp = new Ramp(weight, target, now, durationNanos);
    }

    /** The ramp under way, or null. */
    public Ramp ramp() {
        return ramp;
    }

    /** The weight the ramp under way ends at, or the weight when there is none. */
    public int targetWeight() {
        Ramp r = ramp;
        return r == null ? weight : r.to();
    }

    /**
     * Moves the weight to where its ramp is at {@code now}; the ramp ends once it has run.
     *
     * @return whether the weight changed
     */
    boolean stepRamp(long now) {
        Ramp r = ramp;
        if (r == null) {
            return false;
        }
        int w = r.at(now);
        boolean changed = w != weight;
        weight = w;
        if (r.done(now)) {
            ramp = null;
        }
        return changed;
    }

    public boolean retired() {
        return retired;
    }

    void retire(String reason) {
        if (!retired) {
            retired = true;
            changed("removed", reason);
        }
    }

    void notifyChange(String change, String reason) {
        changed(change, reason);
    }

    public boolean activeUp() {
        return active.up();
    }

    public boolean passiveAvailable(long now) {
        return passive.available(now);
    }

    public int passiveFails() {
        return passive.fails();
    }

    /** Picked under the server's admin state and health, ignoring {@code max-conns}. */
    @Override
    public boolean takesBoundClient(long now) {
        return admin != AdminState.DISABLED && usable(now);
    }

    public boolean usable(long now) {
        return !retired && !config.down() && active.up() && passive.available(now);
    }

    /** May take a new session now: weight 0 takes none (HAProxy's weight 0). */
    @Override
    public boolean eligible(long now) {
        return admin == AdminState.ENABLED && weight > 0 && usable(now) && hasFreeSlot();
    }

    boolean hasFreeSlot() {
        int max = config.maxConns();
        return max == 0 || sessions.get() < max;
    }

    /**
     * Weight after the slow-start ramp: from 1 up to the runtime weight, linearly over
     * {@code slow-start} since the server last became eligible.
     */
    @Override
    public int effectiveWeight(long now) {
        int w = weight;
        long ramp = config.slowStart().toNanos();
        if (ramp == 0) {
            return w;
        }
        long elapsed = now - eligibleSince;
        if (elapsed >= ramp) {
            return w;
        }
        return Math.max(1, (int) (w * (double) Math.max(0, elapsed) / ramp));
    }

    /** Takes a session slot unless {@code max-conns} is reached. */
    public boolean tryAcquire() {
        int max = config.maxConns();
        while (true) {
            int n = sessions.get();
            if (max != 0 && n >= max) {
                return false;
            }
            if (sessions.compareAndSet(n, n + 1)) {
                totalSessions.increment();
                return true;
            }
        }
    }

    public void release() {
        sessions.decrementAndGet();
    }

    @Override
    public int sessions() {
        return sessions.get();
    }

    void picked(long now) {
        passive.picked(now);
    }

    /** A connect to this server failed (refused, reset, timed out): passive health counts it. */
    public void connectFailed(long now, String reason) {
        connectFailures.increment();
        PassiveHealth p = passive;
        if (p.failed(now)) {
            changed("passive down", p.fails() + " failure(s), last: " + reason
                    + "; out for " + config.failTimeout().toMillis() + "ms");
        }
    }

    /** A connect to this server succeeded. */
    public void connected(long now) {
        connects.increment();
        if (passive.succeeded()) {
            eligibleSince = now;
            changed("passive up", "connect succeeded after fail-timeout");
        }
    }

    /** Feeds one active check result. */
    public void checkResult(boolean success, long now, String detail) {
        if (active.record(success)) {
            if (success) {
                eligibleSince = now;
            }
            changed(success ? "health up" : "health down", detail);
        }
    }

    public void addBytes(long toServer, long toClient) {
        bytesToServer.add(toServer);
        bytesToClient.add(toClient);
    }

    public long totalSessions() {
        return totalSessions.sum();
    }

    /**
     * The flows open to this server now as the kernel counts them (forwarding = kernel): its open
     * sessions, and what max-conns holds it to.
     */
    public void openFlows(int n) {
        sessions.set(n);
    }

    /** Flows the kernel sent here (forwarding = kernel), counted as sessions: no process of ours saw them. */
    public void addFlows(long n) {
        totalSessions.add(n);
    }

    /** Connects to this server that succeeded, ever: a TCP check has nothing to add while this grows. */
    public long connects() {
        return connects.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long bytesToServer() {
        return bytesToServer.sum();
    }

    public long bytesToClient() {
        return bytesToClient.sum();
    }

    public void addPackets(long toServer, long toClient) {
        packetsToServer.add(toServer);
        packetsToClient.add(toClient);
    }

    public long packetsToServer() {
        return packetsToServer.sum();
    }

    public long packetsToClient() {
        return packetsToClient.sum();
    }

    @Override
    public String toString() {
        return name;
    }
}
