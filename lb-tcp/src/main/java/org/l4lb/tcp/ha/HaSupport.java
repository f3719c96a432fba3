package org.l4lb.tcp.ha;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.l4lb.core.config.HaConfig;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.TrackInterfaceConfig;
import org.l4lb.core.net.InetLiteral;
import org.l4lb.core.time.Ticker;
import org.l4lb.ha.HaNode;
import org.l4lb.ha.track.Tracking;
import org.l4lb.ha.cluster.ClusterSettings;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.command.Commands;
import org.l4lb.ha.vip.IpVipManager;
import org.l4lb.ha.vip.VipManager;
import org.l4lb.tcp.proxy.Service;

/** Builds one of this node's {@link HaNode}s from its instance's settings and the running services. */
public final class HaSupport {

    private HaSupport() {
    }

    /**
     * Script checks run here: a script that takes its whole timeout must not delay adverts or the
     * election.
     */
    private static final ScheduledExecutorService SCRIPTS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l4lb-track");
        t.setDaemon(true);
        return t;
    });

    /** How long a binding waits, at most, before it goes to the other members. */
    private static final Duration BINDINGS_INTERVAL = Duration.ofMillis(500);

    /**
     * @param services the running service of a name, looked up each time a tracked service is
     *     asked about (a reload may replace it)
     * @param all the running services, whose persistence bindings the other members keep a copy of
     * @param replicate whether this instance's cluster carries the persistence bindings (one of a node's does)
     */
    public static HaNode create(HaConfig ha, String nodeName, Function<String, Optional<Service>> services,
            Supplier<List<Service>> all, IntSupplier openSessions, boolean replicate) throws UnknownHostException {
        InetSocketAddress bind = socket(ha.bind());
        List<InetSocketAddress> peers = new ArrayList<>();
        for (HostPort p : ha.peers()) {
            peers.add(socket(p));
        }
        ClusterSettings settings = new ClusterSettings(ha.group(), nodeName, bind, peers, ha.secret(), ha.advertInterval());
        VipManager vips = switch (ha.vipManager()) {
            case IP -> new IpVipManager(ha.networkInterface(), ha.virtualIps(), ha.garpRepeat(), ha.garpInterval(),
                    Commands.SYSTEM, ha.flowHandoff(), ha.name());
            case SCRIPT, NONE -> VipManager.NONE;
        };
        Tracking tracking = new Tracking();
        // Keep the VIPs until the new master's last gratuitous ARP has gone out.
        Duration grace = ha.garpInterval().multipliedBy(Math.max(1, ha.garpRepeat())).plusMillis(200);
        HaNode node = new HaNode(ha.name(), settings, nodeId(bind), ha.priority(), ha.preempt(), ha.preemptDelay(), vips, grace,
                ha.flowHandoffTimeout(), openSessions, tracking, ha.notifyScript(), ha.nice(), Ticker.SYSTEM);
        track(tracking, ha, services);
        if (replicate) {
            node.replicate(new ServiceBindings(all, services), BINDINGS_INTERVAL);
        }
        return node;
    }

    /**
     * Applies to a running node what a reload changed of the settings it can take live, without
     * leaving the cluster.
     *
     * @return what changed, one line each
     */
    public static List<String> reload(HaNode node, HaConfig a, HaConfig b, Function<String, Optional<Service>> services) {
        List<String> changes = new ArrayList<>();
        if (a.priority() != b.priority() || a.preempt() != b.preempt() || !a.preemptDelay().equals(b.preemptDelay())
                || !a.notifyScript().equals(b.notifyScript())) {
            node.reconfigure(b.priority(), b.preempt(), b.preemptDelay(), b.notifyScript());
            changes.add("ha: priority " + b.priority() + ", preempt " + b.preempt() + ", preempt-delay "
                    + b.preemptDelay().toMillis() + "ms, notify '" + b.notifyScript() + "'");
        }
        if (!a.advertInterval().equals(b.advertInterval())) {
            node.advertInterval(b.advertInterval());
            changes.add("ha: advert-interval " + a.advertInterval().toMillis() + "ms -> " + b.advertInterval().toMillis() + "ms");
        }
        if (!a.virtualIps().equals(b.virtualIps())) {
            node.virtualIps(b.virtualIps());
            changes.add("ha: virtual-ips " + a.virtualIps() + " -> " + b.virtualIps());
        }
        if (!a.trackServices().equals(b.trackServices()) || a.trackServiceWeight() != b.trackServiceWeight()
                || !a.trackScripts().equals(b.trackScripts()) || !a.trackInterfaces().equals(b.trackInterfaces())
                || !b.trackInterfaces().isEmpty() && !a.virtualIps().equals(b.virtualIps())) {
            track(node.tracking(), b, services);
            changes.add("ha: tracking services " + b.trackServices() + " (weight " + b.trackServiceWeight() + "), "
                    + b.trackScripts().size() + " script(s), interfaces "
                    + b.trackInterfaces().stream().map(TrackInterfaceConfig::name).toList());
        }
        return changes;
    }

    /** Tracks what {@code ha} names (at start, and again on a reload). */
    public static void track(Tracking tracking, HaConfig ha, Function<String, Optional<Service>> services) {
        List<Tracking.ServiceTrack> tracked = new ArrayList<>();
        for (String name : ha.trackServices()) {
            tracked.add(new Tracking.ServiceTrack(name, ha.trackServiceWeight(),
                    () -> services.apply(name).map(s -> s.upstream().hasEligible()).orElse(false)));
        }
        tracking.replace(tracked, ha.trackScripts(), ha.trackInterfaces(), virtualIps(ha), Commands.SYSTEM, SCRIPTS);
    }

    /** The VIPs as addresses: a master holds them, so they never prove a tracked link has an address of its own. */
    private static Set<InetAddress> virtualIps(HaConfig ha) {
        Set<InetAddress> out = new HashSet<>();
        for (String v : ha.virtualIps()) {
            int slash = v.indexOf('/');
            out.add(InetLiteral.parse(slash < 0 ? v : v.substring(0, slash)));
        }
        return out;
    }

    /** The address that breaks priority ties: the bind address, or this host's when bound to all. */
    private static NodeId nodeId(InetSocketAddress bind) throws UnknownHostException {
        InetAddress a = bind.getAddress();
        if (a.isAnyLocalAddress()) {
            a = InetAddress.getLocalHost();
        }
        return NodeId.of(a, bind.getPort());
    }

    private static InetSocketAddress socket(HostPort hp) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port());
    }
}
