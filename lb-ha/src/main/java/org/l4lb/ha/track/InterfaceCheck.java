package org.l4lb.ha.track;

import java.net.InetAddress;
import java.util.Set;
import org.l4lb.core.config.TrackInterfaceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A tracked interface (keepalived track_interface): failing while its link is down or has no address of its own. */
final class InterfaceCheck implements Tracking.Check {

    private static final Logger LOG = LoggerFactory.getLogger(InterfaceCheck.class);

    private final TrackInterfaceConfig config;
    private final Set<InetAddress> virtualIps;
    /** What fails now; null while it is fine. Written by the link monitor's thread, read by the election's. */
    private volatile String problem;

    /** Judged at once, so a node never counts a link it has not looked at. */
    InterfaceCheck(TrackInterfaceConfig config, Set<InetAddress> virtualIps) {
        this.config = config;
        this.virtualIps = Set.copyOf(virtualIps);
        this.problem = LinkState.problem(config.name(), this.virtualIps);
        if (problem != null) {
            LOG.warn("HA: tracked interface {} failing ({})", config.name(), problem);
        }
    }

    /** Whether it tracks {@code c} with these VIPs left out, as this one does. */
    boolean sameAs(TrackInterfaceConfig c, Set<InetAddress> vips) {
        return config.equals(c) && virtualIps.equals(vips);
    }

    /** Reads the link again; logs a change. */
    void judge() {
        String now = LinkState.problem(config.name(), virtualIps);
        String before = problem;
        problem = now;
        if (now != null && before == null) {
            LOG.warn("HA: tracked interface {} failing ({})", config.name(), now);
        } else if (now == null && before != null) {
            LOG.info("HA: tracked interface {} recovered", config.name());
        }
    }

    @Override
    public String name() {
        return "interface " + config.name();
    }

    @Override
    public int weight() {
        return config.weight();
    }

    @Override
    public boolean failing() {
        return problem != null;
    }
}
