package org.l4lb.ha.instance;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster traffic that does not unseal with this node's secret. Every node logs it, at most every
 * {@link #LOG_INTERVAL}. A node that hears it and has never been in a view with another member
 * must not claim the VIPs while it is not master: its peers are there and it cannot tell what they
 * say, so its own secret is the odd one out (a typo most likely), and claiming would be a split
 * brain of its own making. A node that has met a member that shares its secret knows the stranger
 * is the odd one: it goes on as if it had heard nothing (a master keeps its role, a backup still
 * takes over when its master dies).
 */
public final class ForeignTraffic {

    private static final Logger LOG = LoggerFactory.getLogger(ForeignTraffic.class);
    static final long LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);
    /** How long one such message keeps a lone node out: its peers answer it at least every second or two. */
    static final long HOLD = TimeUnit.SECONDS.toNanos(10);

    private volatile long lastHeard;
    /** Null until the first such message. */
    private volatile String lastSender;
    private boolean logged;
    private long lastLogged;
    private long unlogged;
    /** Who sent what was not logged yet, each once, the first few: every stranger gets named. */
    private final java.util.Set<String> unloggedSenders = new java.util.LinkedHashSet<>();
    private static final int NAMED = 5;

    /** On JGroups' threads. */
    public void heard(String sender, boolean notice, long now) {
        lastHeard = now;
        lastSender = sender;
        synchronized (this) {
            unlogged++;
            if (unloggedSenders.size() < NAMED) {
                unloggedSenders.add(sender);
            }
            if (logged && now - lastLogged < LOG_INTERVAL) {
                return;
            }
            logged = true;
            lastLogged = now;
            LOG.warn("HA: dropped {} cluster message(s) from {} that this node's ha.secret cannot unseal{}; is its "
                    + "ha.secret different?", unlogged, String.join(", ", unloggedSenders),
                    notice ? " (the last, " + sender + "'s answer to ours: it cannot unseal ours either)" : "");
            unlogged = 0;
            unloggedSenders.clear();
        }
    }

    /**
     * Why this node must not claim the VIPs now, or null.
     *
     * @param metPeers whether it has ever been in a view with another member (who shares its secret)
     */
    public String fault(boolean master, boolean metPeers, long now) {
        if (master || metPeers || lastSender == null || now - lastHeard >= HOLD) {
            return null;
        }
        return "cluster traffic from " + lastSender + " that this node's ha.secret cannot unseal";
    }
}
