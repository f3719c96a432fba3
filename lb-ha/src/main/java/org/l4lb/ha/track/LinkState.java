package org.l4lb.ha.track;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Set;

/** What is wrong with an interface's link, as keepalived's track_interface sees it, read from the kernel now. */
final class LinkState {

    private LinkState() {
    }

    /**
     * Null while {@code name} is up, has a carrier and an address of its own (not link-local, not
     * one of {@code virtualIps}: a master's VIP would otherwise hide the loss of the real address);
     * else what fails, in a few words.
     */
    static String problem(String name, Set<InetAddress> virtualIps) {
        try {
            NetworkInterface ni = NetworkInterface.getByName(name);
            if (ni == null) {
                return "gone";
            }
            // Up and running: IFF_UP and IFF_RUNNING, which a link without carrier lacks.
            if (!ni.isUp()) {
                return "down or no carrier";
            }
            boolean addressed = ni.inetAddresses().anyMatch(a -> !a.isLinkLocalAddress() && !virtualIps.contains(a));
            return addressed ? null : "no address";
        } catch (SocketException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
