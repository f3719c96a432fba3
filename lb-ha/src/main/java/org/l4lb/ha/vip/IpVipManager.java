package org.l4lb.ha.vip;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's way: {@code ip addr add/del} on the interface, then gratuitous ARP
 * ({@code arping -U}) repeated {@code garp-repeat} times so neighbours move their ARP entry at once.
 */
public final class IpVipManager implements VipManager {

    private static final Logger LOG = LoggerFactory.getLogger(IpVipManager.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String iface;
    private final List<String> vips;
    private final int garpRepeat;
    private final Duration garpInterval;
    private final Commands commands;

    public IpVipManager(String iface, List<String> vips, int garpRepeat, Duration garpInterval, Commands commands) {
        this.iface = iface;
        this.vips = vips.stream().map(v -> v.contains("/") ? v : v + (v.contains(":") ? "/128" : "/32")).toList();
        this.garpRepeat = garpRepeat;
        this.garpInterval = garpInterval;
        this.commands = commands;
    }

    @Override
    public void acquire() {
        for (String vip : vips) {
            Commands.Result r = commands.run(List.of("ip", "addr", "add", vip, "dev", iface), TIMEOUT);
            if (r.ok()) {
                LOG.info("VIP {} added on {}", vip, iface);
            } else if (r.output().contains("File exists")) {
                LOG.info("VIP {} already on {}", vip, iface);
            } else {
                LOG.error("cannot add VIP {} on {}: {}", vip, iface, r.output());
            }
        }
        announce();
    }

    @Override
    public void announce() {
        for (int i = 0; i < Math.max(1, garpRepeat); i++) {
            if (i > 0) {
                sleep(garpInterval);
            }
            for (String vip : vips) {
                String address = vip.substring(0, vip.indexOf('/'));
                if (address.contains(":")) {
                    continue; // IPv6: the kernel sends unsolicited neighbour advertisements for a new address
                }
                Commands.Result r = commands.run(List.of("arping", "-U", "-c", "1", "-I", iface, address), TIMEOUT);
                if (!r.ok() && i == 0) {
                    LOG.warn("gratuitous ARP for {} on {} failed: {}", address, iface, r.output());
                }
            }
        }
    }

    @Override
    public void release() {
        for (String vip : vips) {
            Commands.Result r = commands.run(List.of("ip", "addr", "del", vip, "dev", iface), TIMEOUT);
            if (r.ok()) {
                LOG.info("VIP {} removed from {}", vip, iface);
            } else if (!r.output().contains("Cannot assign requested address")) {
                LOG.error("cannot remove VIP {} from {}: {}", vip, iface, r.output());
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
