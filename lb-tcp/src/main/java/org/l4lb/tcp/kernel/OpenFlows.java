package org.l4lb.tcp.kernel;

import java.util.HashMap;
import java.util.Map;

/**
 * The kernel's open flows per server, from {@code conntrack -L}: what the proxy counts as a
 * server's open sessions. A flow is counted from its first packet until it closes (TIME_WAIT and
 * CLOSE are not counted), as {@code ct count} counts it for the limits.
 */
final class OpenFlows {

    /** A flow's listener (its original destination) and server (its reply's source). */
    record Key(String listenAddress, int listenPort, String serverAddress, int serverPort) {
    }

    private OpenFlows() {
    }

    /** Open flows by listener and server in {@code conntrack -L -p tcp} output; flows no DNAT changed are left out. */
    static Map<Key, Integer> parse(String out) {
        Map<Key, Integer> count = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[0].equals("tcp") || f[3].equals("TIME_WAIT") || f[3].equals("CLOSE")) {
                continue;
            }
            String[] src = new String[2];
            String[] dst = new String[2];
            String[] sport = new String[2];
            String[] dport = new String[2];
            int dir = -1;
            for (String t : f) {
                if (t.startsWith("src=")) {
                    if (++dir > 1) {
                        break;
                    }
                    src[dir] = t.substring(4);
                } else if (dir >= 0 && dir <= 1 && t.startsWith("dst=")) {
                    dst[dir] = t.substring(4);
                } else if (dir >= 0 && dir <= 1 && t.startsWith("sport=")) {
                    sport[dir] = t.substring(6);
                } else if (dir >= 0 && dir <= 1 && t.startsWith("dport=")) {
                    dport[dir] = t.substring(6);
                }
            }
            if (dir < 1 || src[1] == null || dst[0] == null || sport[1] == null || dport[0] == null) {
                continue;
            }
            if (src[1].equals(dst[0]) && sport[1].equals(dport[0])) {
                continue; // not destination-NATed: not ours
            }
            count.merge(new Key(dst[0], Integer.parseInt(dport[0]), src[1], Integer.parseInt(sport[1])), 1, Integer::sum);
        }
        return count;
    }
}
