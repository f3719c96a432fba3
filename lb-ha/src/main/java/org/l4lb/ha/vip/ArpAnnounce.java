package org.l4lb.ha.vip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's {@code arp_announce} (the higher of {@code all} and the interface's counts): below
 * 2, an ARP request for a client may carry a VIP as its sender address, and a node handing off
 * drops every ARP packet that does (it must not pull the clients back), so its connections could
 * stall once their neighbour entries need confirming.
 */
final class ArpAnnounce {

    private static final Logger LOG = LoggerFactory.getLogger(ArpAnnounce.class);

    private ArpAnnounce() {
    }

    static void warnUnlessOwnAddress(String dev) {
        int all = read(Path.of("/proc/sys/net/ipv4/conf/all/arp_announce"));
        int own = dev == null ? -1 : read(Path.of("/proc/sys/net/ipv4/conf", dev, "arp_announce"));
        if (all >= 0 && Math.max(all, own) < 2) {
            LOG.warn("flow handoff: net.ipv4.conf.all.arp_announce is {}; set it to 2 (sysctl -w net.ipv4.conf.all.arp_announce=2)"
                    + " so that a node handing off resolves its clients with its own address", Math.max(all, own));
        }
    }

    private static int read(Path p) {
        try {
            return Integer.parseInt(Files.readString(p).trim());
        } catch (IOException | RuntimeException e) {
            return -1; // not Linux, or no such interface: nothing to say
        }
    }
}
