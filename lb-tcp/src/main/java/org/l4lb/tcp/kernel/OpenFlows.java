package org.l4lb.tcp.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.l4lb.core.config.HostPort;

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

    /**
     * The open flows to {@code listen}, listed per listener (conntrack filters by the original
     * destination) rather than the whole table, which under load holds an entry for every flow of
     * the last two minutes (TIME_WAIT).
     *
     * @throws IllegalStateException with what conntrack said when it cannot list them
     */
    static Map<Key, Integer> read(List<HostPort> listen) {
        Map<Key, Integer> flows = new HashMap<>();
        for (HostPort l : listen) {
            List<String> cmd = new ArrayList<>(List.of("conntrack", "-L", "-p", "tcp", "--orig-port-dst",
                    Integer.toString(l.port())));
            if (!l.host().equals("0.0.0.0")) {
                cmd.addAll(List.of("--orig-dst", l.host()));
            }
            Nft.Result r = Nft.read(cmd);
            if (!r.ok()) {
                throw new IllegalStateException("conntrack -L: " + r.output());
            }
            parse(r.output()).forEach((k, n) -> flows.merge(k, n, Integer::sum));
        }
        return flows;
    }

    /** The open flows to one server, over every listener in {@code flows}. */
    static int to(Map<Key, Integer> flows, String address, int port) {
        int open = 0;
        for (Map.Entry<Key, Integer> e : flows.entrySet()) {
            if (e.getKey().serverAddress().equals(address) && e.getKey().serverPort() == port) {
                open += e.getValue();
            }
        }
        return open;
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
            try {
                count.merge(new Key(dst[0], Integer.parseInt(dport[0]), src[1], Integer.parseInt(sport[1])), 1, Integer::sum);
            } catch (NumberFormatException e) {
                // Not a line of conntrack's table: nothing to count.
            }
        }
        return count;
    }
}
