package org.l4lb.tcp.admission;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.l4lb.core.acl.AccessList;

/**
 * Whether a new client session may start: the service's allow/deny networks, the node's global
 * limit, the service's limit and the per-client-address limit. A session holds one unit of the
 * global and the service limit from {@link #reserve} to {@link #unreserve}, and one of its client's
 * from {@link #admitClient} to {@link #release}.
 */
public final class Admission {

    private final AtomicInteger global;
    private final AtomicInteger service = new AtomicInteger();
    /** The limits a reload may change; the counts above carry on. */
    private volatile Limits limits;

    private record Limits(AccessList access, int globalMax, int serviceMax, int perClientMax) {
    }
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();

    public Admission(AccessList access, AtomicInteger global, int globalMax, int serviceMax, int perClientMax) {
        this.global = global;
        this.limits = new Limits(access, globalMax, serviceMax, perClientMax);
    }

    /**
     * New limits for new sessions (a reload); open sessions keep their places. A session admitted
     * while the per-client limit was off is not counted against its client afterwards.
     */
    public void reconfigure(AccessList access, int globalMax, int serviceMax, int perClientMax) {
        this.limits = new Limits(access, globalMax, serviceMax, perClientMax);
    }

    /**
     * Takes one unit of the node's and of the service's limit. A service that reads a PROXY header
     * takes it when the connection is accepted, before the header, so that connections still
     * waiting for theirs are held to the limits too (HAProxy's maxconn counts them the same way).
     *
     * @return null when taken (the caller must {@link #unreserve} later), else which limit is full
     */
    public Refusal reserve() {
        Limits l = limits;
        if (!take(global, l.globalMax())) {
            return Refusal.GLOBAL_LIMIT;
        }
        if (!take(service, l.serviceMax())) {
            global.decrementAndGet();
            return Refusal.SERVICE_LIMIT;
        }
        return null;
    }

    public void unreserve() {
        service.decrementAndGet();
        global.decrementAndGet();
    }

    /** Whether the service's allow and deny networks let the client in. */
    public boolean permits(InetAddress client) {
        return limits.access().permits(client.getAddress());
    }

    /**
     * Takes one unit of the client address's limit.
     *
     * @return null when taken (the caller must {@link #release} later), else {@link Refusal#CLIENT_LIMIT}
     */
    public Refusal admitClient(InetAddress client) {
        int perClientMax = limits.perClientMax();
        if (perClientMax == 0) {
            return null;
        }
        boolean[] ok = {false};
        perClient.compute(client, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() < perClientMax) {
                c.incrementAndGet();
                ok[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return ok[0] ? null : Refusal.CLIENT_LIMIT;
    }

    public void release(InetAddress client) {
        // Also after the limit was turned off, so the counts it left behind drain away.
        if (limits.perClientMax() > 0 || !perClient.isEmpty()) {
            perClient.computeIfPresent(client, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    public int active() {
        return service.get();
    }

    private static boolean take(AtomicInteger counter, int max) {
        if (max == 0) {
            counter.incrementAndGet();
            return true;
        }
        while (true) {
            int n = counter.get();
            if (n >= max) {
                return false;
            }
            if (counter.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }
}
