package org.l4lb.tcp.kernel;

import java.util.List;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.NatMode;
import org.l4lb.core.config.Strategy;

/**
 * The nftables ruleset of the kernel-forwarded services: one table of our own, written whole and
 * replaced in one transaction (declare, delete, define), so a change never shows half a ruleset
 * and a crash's leftover goes in the same step. The chosen server comes from a map over the
 * weight ranges: {@code numgen inc} for round-robin, {@code jhash} of the source for ip-hash and
 * hash. Conntrack keeps a flow on the server its first packet was sent to, so a server taken out
 * of the map (drained, down) keeps its established flows.
 */
final class KernelRuleset {

    static final String TABLE = "l4lb";
    /** jhash's seed: fixed, so every node of a group maps a client alike. */
    private static final String SEED = "0x4c346c62";

    /** A server the map sends to, with its weight now (ramps and slow start included). */
    record Target(String address, int port, int weight) {
    }

    /** One kernel-forwarded service and the servers that take new flows now. */
    record Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat,
            List<Target> targets) {
    }

    private KernelRuleset() {
    }

    /** The whole transaction: the table replaced by one holding {@code services}' rules. */
    static String render(List<Service> services) {
        StringBuilder pre = new StringBuilder();
        StringBuilder post = new StringBuilder();
        for (Service s : services) {
            for (HostPort l : s.listen()) {
                String match = (l.host().equals("0.0.0.0") ? "" : "ip daddr " + l.host() + " ") + "tcp dport " + l.port();
                String map = map(s.targets());
                if (map != null) {
                    pre.append("    ").append(match).append(" dnat ip to ").append(selector(s)).append(" map { ")
                            .append(map).append(" } comment \"").append(s.name()).append("\"\n");
                }
                // Nothing eligible: no rule, and the node's own stack, with no listener there, resets.
                if (s.nat() == NatMode.FULL) {
                    post.append("    meta l4proto tcp ct status dnat ")
                            .append(l.host().equals("0.0.0.0") ? "" : "ct original ip daddr " + l.host() + " ")
                            .append("ct original proto-dst ").append(l.port()).append(" masquerade comment \"")
                            .append(s.name()).append("\"\n");
                }
            }
        }
        return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\ntable ip " + TABLE + " {\n"
                + "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n" + pre + "  }\n"
                + "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n" + post + "  }\n"
                + "}\n";
    }

    /** What removes the table: a clean stop, or a start after a crash with no kernel service left. */
    static String removal() {
        return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\n";
    }

    private static String selector(Service s) {
        int total = s.targets().stream().mapToInt(t -> Math.max(0, t.weight())).sum();
        return switch (s.strategy()) {
            case IP_HASH -> "jhash ip saddr mod " + total + " seed " + SEED;
            case HASH -> (s.hashKey() == HashKey.SOURCE_IP_PORT ? "jhash ip saddr . tcp sport" : "jhash ip saddr")
                    + " mod " + total + " seed " + SEED;
            default -> "numgen inc mod " + total;
        };
    }

    /** "0-0 : 10.0.0.1 . 80, 1-3 : 10.0.0.2 . 80": each server a range as wide as its weight; null when none. */
    private static String map(List<Target> targets) {
        StringBuilder m = new StringBuilder();
        int from = 0;
        for (Target t : targets) {
            if (t.weight() <= 0) {
                continue;
            }
            int to = from + t.weight() - 1;
            if (m.length() > 0) {
                m.append(", ");
            }
            m.append(from == to ? Integer.toString(from) : from + "-" + to).append(" : ").append(t.address()).append(" . ")
                    .append(t.port());
            from = to + 1;
        }
        return m.length() == 0 ? null : m.toString();
    }
}
