package org.l4lb.tcp;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.runtime.ResolvedNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the host names of servers with {@code resolve = true}: each is looked up again when its
 * resolve-interval has passed, and a configuration is expanded to the addresses last found. A
 * name that does not resolve keeps its last addresses. Look-ups run without this object's lock,
 * so a slow DNS server holds nothing else up.
 */
final class NameFollower {

    private static final Logger LOG = LoggerFactory.getLogger(NameFollower.class);

    private final ResolvedNames resolved = new ResolvedNames();
    /** When each name is due for its next look-up (System.nanoTime). */
    private final Map<ResolvedNames.Name, Long> due = new HashMap<>();
    private final Function<String, List<InetAddress>> lookup;

    /** @param lookup a name's addresses, or an exception saying why there are none */
    NameFollower(Function<String, List<InetAddress>> lookup) {
        this.lookup = lookup;
    }

    /** The system's resolver. */
    static List<InetAddress> system(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** {@code c} with each followed name as the servers of its addresses. */
    synchronized LbConfig expand(LbConfig c) {
        return resolved.expand(c);
    }

    /**
     * Looks up the names of {@code c} that are due, or all of them.
     *
     * @return whether any name's addresses changed
     */
    boolean lookUpDue(LbConfig c, boolean all) {
        List<ResolvedNames.Name> names = ResolvedNames.names(c);
        long now = System.nanoTime();
        Map<ResolvedNames.Name, List<InetAddress>> found = new LinkedHashMap<>();
        for (ResolvedNames.Name n : names) {
            synchronized (this) {
                Long when = due.get(n);
                if (!all && when != null && now - when < 0) {
                    continue;
                }
                due.put(n, now + n.intervalNanos());
            }
            try {
                found.put(n, lookup.apply(n.host()));
            } catch (RuntimeException e) {
                LOG.warn("service {}: server {}: {} does not resolve ({}); keeping its last addresses", n.service(), n.server(),
                        n.host(), e.getMessage());
            }
        }
        boolean changed = false;
        synchronized (this) {
            due.keySet().retainAll(names);
            for (var e : found.entrySet()) {
                List<String> before = addresses(e.getKey());
                if (resolved.found(e.getKey(), e.getValue())) {
                    changed = true;
                    LOG.info("service {}: server {}: {} resolves to {} (was {})", e.getKey().service(), e.getKey().server(),
                            e.getKey().host(), addresses(e.getKey()), before);
                }
            }
        }
        return changed;
    }

    /** Looks up, now, the names of {@code c} not followed before (a reload or an added server brings them). */
    void lookUpNew(LbConfig c) {
        for (ResolvedNames.Name n : ResolvedNames.names(c)) {
            synchronized (this) {
                if (!resolved.unknown(n)) {
                    continue;
                }
            }
            try {
                List<InetAddress> a = lookup.apply(n.host());
                synchronized (this) {
                    resolved.found(n, a);
                    due.put(n, System.nanoTime() + n.intervalNanos());
                }
            } catch (RuntimeException e) {
                LOG.warn("service {}: server {}: {} does not resolve ({}); it has no address until it does", n.service(),
                        n.server(), n.host(), e.getMessage());
            }
        }
    }

    /** Forgets the names {@code c} no longer has. */
    synchronized void keepOnly(LbConfig c) {
        resolved.keepOnly(c);
    }

    private List<String> addresses(ResolvedNames.Name n) {
        return resolved.addresses(n, HostPort.parse(n.server(), false).port());
    }
}
