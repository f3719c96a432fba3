package org.l4lb.ha.vip;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
    private final AtomicLong announceGeneration = new AtomicLong();
    private final ScheduledExecutorService garp = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l4lb-garp");
        t.setDaemon(true);
        return t;
    });

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
                for (String vip : vips) {
                    String address = vip.substring(0, vip.indexOf('/'));
                    if (!address.contains(":")) {
                        // IPv6: the kernel sends unsolicited neighbour advertisements for a new address.
                        commands.spawn(List.of("arping", "-U", "-c", "1", "-I", iface, address));
                    }
                }
            }, i * garpInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void release() {
        announceGeneration.incrementAndGet();
        for (String vip : vips) {
            Commands.Result r = commands.run(List.of("ip", "addr", "del", vip, "dev", iface), TIMEOUT);
            if (r.ok()) {
                LOG.info("VIP {} removed from {}", vip, iface);
            } else if (!r.output().contains("Cannot assign requested address")) {
                LOG.error("cannot remove VIP {} from {}: {}", vip, iface, r.output());
            }
        }
    }

}
