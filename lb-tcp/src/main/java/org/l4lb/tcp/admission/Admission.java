package org.l4lb.tcp.admission;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.l4lb.core.acl.AccessList;

/**
 * Whether a new client session may start: the service's allow/deny networks, the node's global
 * limit, the service's limit and the per-client-address limit. A granted session holds one unit of
 * each limit until {@link #release}.
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

    /** @return null when admitted (the caller must {@link #release} later), else why not */
    public Refusal admit(InetAddress client) {
        Limits l = limits;
        int globalMax = l.globalMax();
        int serviceMax = l.serviceMax();
        int perClientMax = l.perClientMax();
        if (!l.access().permits(client.getAddress())) {
            return Refusal.DENIED;
        }
        if (!take(global, globalMax)) {
            return Refusal.GLOBAL_LIMIT;
        }
        if (!take(service, serviceMax)) {
            global.decrementAndGet();
            return Refusal.SERVICE_LIMIT;
        }
        if (perClientMax > 0) {
            boolean[] ok = {false};
            perClient.compute(client, (k, n) -> {
                AtomicInteger c = n == null ? new AtomicInteger() : n;
                if (c.get() < perClientMax) {
                    c.incrementAndGet();
                    ok[0] = true;
                }
                return c.get() == 0 ? null : c;
            });
            if (!ok[0]) {
                service.decrementAndGet();
                global.decrementAndGet();
                return Refusal.CLIENT_LIMIT;
            }
        }
        return null;
    }

    public void release(InetAddress client) {
        // Also after the limit was turned off, so the counts it left behind drain away.
        if (limits.perClientMax() > 0 || !perClient.isEmpty()) {
            perClient.computeIfPresent(client, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
        service.decrementAndGet();
        global.decrementAndGet();
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
