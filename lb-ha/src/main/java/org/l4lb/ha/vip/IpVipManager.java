package org.l4lb.ha.vip;

import org.l4lb.ha.command.Commands;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.l4lb.ha.handoff.FlowHandoff;
import org.l4lb.ha.handoff.NftFlowHandoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's way: {@code ip addr add/del} on the interface, then gratuitous ARP
 * ({@code arping -U}) repeated {@code garp-repeat} times so neighbours move their ARP entry at once.
 * With no interface configured, each VIP goes where {@link VipInterfaces} finds its subnet.
 */
public final class IpVipManager implements VipManager {

    private static final Logger LOG = LoggerFactory.getLogger(IpVipManager.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String iface;
    private volatile List<String> vips;
    private final int garpRepeat;
    private final Duration garpInterval;
    private final Commands commands;
    private final FlowHandoff handoff;
    private boolean handoffReady;
    private volatile String ownAddress;
    private String ownDevice;
    private final AtomicLong announceGeneration = new AtomicLong();
    private final ScheduledExecutorService garp = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l4lb-garp");
        t.setDaemon(true);
        return t;
    });

    public IpVipManager(String iface, List<String> vips, int garpRepeat, Duration garpInterval, Commands commands) {
        this(iface, vips, garpRepeat, garpInterval, commands, false);
    }

    /** @param flowHandoff whether planned moves hand the open connections off ({@link NftFlowHandoff}) */
    public IpVipManager(String iface, List<String> vips, int garpRepeat, Duration garpInterval, Commands commands,
            boolean flowHandoff) {
        this(iface, vips, garpRepeat, garpInterval, commands, flowHandoff, org.l4lb.core.config.HaConfig.SHORTHAND);
    }

    /**
     * @param flowHandoff whether planned moves hand the open connections off ({@link NftFlowHandoff})
     * @param instance the instance whose VIPs these are: its flow handoff has tables of its own
     */
    public IpVipManager(String iface, List<String> vips, int garpRepeat, Duration garpInterval, Commands commands,
            boolean flowHandoff, String instance) {
        this.iface = iface;
        this.vips = withPrefixes(vips);
        this.handoff = flowHandoff ? new NftFlowHandoff(NftFlowHandoff.tableOf(instance), ipv4Addresses(), commands)
                : FlowHandoff.OFF;
        this.garpRepeat = garpRepeat;
        this.garpInterval = garpInterval;
        this.commands = commands;
    }

    private static List<String> withPrefixes(List<String> vips) {
        return vips.stream().map(v -> v.contains("/") ? v : v + (v.contains(":") ? "/128" : "/32")).toList();
    }

    @Override
    public void virtualIps(List<String> next, boolean holding) {
        List<String> before = vips;
        List<String> after = withPrefixes(next);
        Set<String> kept = new HashSet<>(after);
        remove(vip -> !kept.contains(vip));
        vips = after;
        handoff.addresses(ipv4Addresses());
        if (handoffReady && !ipv4Addresses().isEmpty()) {
            learnOwnAddress(listed());
        }
        LOG.info("VIPs {} -> {}", before, after);
        if (holding && !new HashSet<>(before).containsAll(after)) {
            acquire();
        }
    }

    private List<String> ipv4Addresses() {
        return vips.stream().map(IpVipManager::address).filter(a -> !a.contains(":")).toList();
    }

    @Override
    public void start() {
        release();
        handoffReady = handoff.install();
        if (handoffReady) {
            learnOwnAddress(listed());
            ArpAnnounce.warnUnlessOwnAddress(ownDevice);
        }
    }

    /** This node's address on the first IPv4 VIP's interface: where the new master passes flows to. */
    private void learnOwnAddress(VipInterfaces all) {
        List<String> v4 = ipv4Addresses();
        String dev = iface.isEmpty() ? all.forAddress(v4.get(0)).orElse(null) : iface;
        String own = dev == null ? null : all.ownIpv4On(dev, v4).orElse(null);
        ownDevice = dev;
        if (own == null) {
            LOG.warn("flow handoff: no address of this node found on the interface of {}; planned moves will reset connections",
                    v4.get(0));
        }
        ownAddress = own;
    }

    @Override
    public Optional<String> handoffAddress() {
        return handoffReady ? Optional.ofNullable(ownAddress) : Optional.empty();
    }

    @Override
    public boolean keepQuietly() {
        silence();
        if (!(handoffReady && ownAddress != null && handoff.quiet())) {
            return false;
        }
        // Neighbour advertisements are not ARP: an IPv6 VIP kept would pull clients back.
        remove(vip -> vip.contains(":"));
        return true;
    }

    @Override
    public void passUnknownFlows(String to) {
        if (!handoffReady) {
            return;
        }
        VipInterfaces where = interfaces();
        Map<String, String> devices = new LinkedHashMap<>();
        for (String a : ipv4Addresses()) {
            where.forAddress(a).ifPresent(dev -> devices.put(a, dev));
        }
        handoff.passUnknownFlows(to, devices);
    }

    @Override
    public void close() {
        release();
        handoff.uninstall(); // its tables go, and the passing rules with them
    }

    @Override
    public void acquire() {
        // One listing serves both: each `ip` run is a fork and exec on the takeover path.
        VipInterfaces all = handoffReady || iface.isEmpty() ? listed() : null;
        if (handoffReady) {
            learnOwnAddress(all); // the interface may have been replaced since (a container reconnected)
        }
        VipInterfaces where = iface.isEmpty() ? all : VipInterfaces.fixed(iface);
        for (String vip : vips) {
            String dev = where.forAddress(address(vip)).orElse(null);
            if (dev == null) {
                LOG.error("cannot add VIP {}: no interface has an address in its subnet; set ha.interface", vip);
                continue;
            }
            Commands.Result r = commands.run(List.of("ip", "addr", "add", vip, "dev", dev), TIMEOUT);
            if (r.ok()) {
                LOG.info("VIP {} added on {}", vip, dev);
            } else if (alreadyThere(r.output())) {
                LOG.info("VIP {} already on {}", vip, dev);
            } else {
                LOG.error("cannot add VIP {} on {}: {}", vip, dev, r.output());
            }
        }
        handoff.speak(); // back to master while handing off: answer ARP again
        announce();
    }

    /** "File exists" from older iproute2 and busybox, "Address already assigned" from iproute2 6.x. */
    static boolean alreadyThere(String ipOutput) {
        return ipOutput.contains("File exists") || ipOutput.contains("Address already assigned");
    }

    /** "Cannot assign requested address" from older iproute2 and busybox, "Address not found" from 6.x. */
    static boolean alreadyGone(String ipOutput) {
        return ipOutput.contains("Cannot assign requested address") || ipOutput.contains("Address not found");
    }

    /** The configured interface for every VIP, or, with none configured, what the addresses say now. */
    private VipInterfaces interfaces() {
        return iface.isEmpty() ? listed() : VipInterfaces.fixed(iface);
    }

    /** Every interface's addresses now, from {@code ip -o addr show}. */
    private VipInterfaces listed() {
        Commands.Result r = commands.run(List.of("ip", "-o", "addr", "show"), TIMEOUT);
        if (!r.ok()) {
            LOG.error("cannot list the interfaces' addresses: {}", r.output());
        }
        return VipInterfaces.parse(r.ok() ? r.output() : "");
    }

    private static String address(String vip) {
        return vip.substring(0, vip.indexOf('/'));
    }

    /**
     * Sends the gratuitous ARPs without waiting for them: arping lingers a second per packet, and a
     * release must never queue behind an announce. A release cancels the announces still to come.
     */
    @Override
    public void announce() {
        long generation = announceGeneration.incrementAndGet();
        for (int i = 0; i < Math.max(1, garpRepeat); i++) {
            garp.schedule(() -> {
                if (announceGeneration.get() != generation) {
                    return;
                }
                VipInterfaces where = interfaces();
                for (String vip : vips) {
                    String address = address(vip);
                    String dev = where.holding(address).orElse(null);
                    // IPv6: the kernel sends unsolicited neighbour advertisements for a new address.
                    if (dev != null && !address.contains(":")) {
                        commands.spawn(List.of("arping", "-U", "-c", "1", "-I", dev, address));
                    }
                }
            }, i * garpInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void silence() {
        announceGeneration.incrementAndGet();
    }

    @Override
    public void release() {
        silence();
        remove(vip -> true);
        handoff.speak();
    }

    private void remove(Predicate<String> which) {
        VipInterfaces where = interfaces();
        for (String vip : vips) {
            if (!which.test(vip)) {
                continue;
            }
            String dev = where.holding(address(vip)).orElse(null);
            if (dev == null) {
                continue; // on no interface: nothing to remove
            }
            Commands.Result r = commands.run(List.of("ip", "addr", "del", vip, "dev", dev), TIMEOUT);
            if (r.ok()) {
                LOG.info("VIP {} removed from {}", vip, dev);
            } else if (!alreadyGone(r.output())) {
                LOG.error("cannot remove VIP {} from {}: {}", vip, dev, r.output());
            }
        }
    }

}
