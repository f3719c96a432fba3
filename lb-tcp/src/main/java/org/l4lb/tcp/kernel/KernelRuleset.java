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

    /**
     * One kernel-forwarded service and the servers that take new flows now.
     *
     * @param maxConnections flows at once to the service, 0 for no bound
     * @param maxPerClient flows at once from one client address, 0 for no bound
     */
    record Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat,
            List<Target> targets, int maxConnections, int maxPerClient, List<Target> counted) {

        Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat, List<Target> targets) {
            this(name, listen, strategy, hashKey, nat, targets, 0, 0, List.of());
        }
    }

    /** What a counter rule counts, from its comment: "SERVICE/ADDRESS:PORT" and a kind. */
    enum Counted {
        /** Packets from the client to the server. */
        TO_SERVER(">"),
        /** Packets from the server to the client. */
        TO_CLIENT("<"),
        /** New flows. */
        FLOWS("+");

        final String mark;

        Counted(String mark) {
            this.mark = mark;
        }

        static String comment(String service, Target t, Counted c) {
            return "count " + service + "/" + t.address() + ":" + t.port() + " " + c.mark;
        }
    }

    private KernelRuleset() {
    }

    /**
     * The rules that pick a server for a new flow (the prerouting chain's), one per line: all that
     * health, admin states, weights and ramps change.
     */
    static List<String> choices(List<Service> services) {
        List<String> rules = new java.util.ArrayList<>();
        for (Service s : services) {
            for (HostPort l : s.listen()) {
                String map = map(s.targets());
                // Nothing eligible: no rule, and the node's own stack, with no listener there, resets.
                if (map != null) {
                    rules.add(match(l) + " dnat ip to " + selector(s) + " map { " + map + " } comment \"" + s.name() + "\"");
                }
            }
        }
        return rules;
    }

    /**
     * The rest of the table: the limits (whose counts of open flows live in their rules, so they
     * are replaced only when the limits change) and the source NAT.
     */
    static String structure(List<Service> services) {
        StringBuilder post = new StringBuilder();
        StringBuilder forward = new StringBuilder();
        StringBuilder sets = new StringBuilder();
        StringBuilder count = new StringBuilder();
        for (int n = 0; n < services.size(); n++) {
            Service s = services.get(n);
            if (s.maxPerClient() > 0) {
                sets.append("  set clients_").append(n).append(" { type ipv4_addr; size 65535; flags dynamic; }\n");
            }
            for (HostPort l : s.listen()) {
                String original = (l.host().equals("0.0.0.0") ? "" : "ct original ip daddr " + l.host() + " ")
                        + "ct original proto-dst " + l.port();
                // A new flow of this service once DNAT chose its server: where the limits apply
                // (conntrack counts the flows; reject is allowed on the forward hook).
                String flow = "meta l4proto tcp ct state new ct status dnat " + original;
                if (s.maxPerClient() > 0) {
                    forward.append("    ").append(flow).append(" add @clients_").append(n).append(" { ip saddr ct count over ")
                            .append(s.maxPerClient()).append(" } reject with tcp reset comment \"").append(s.name())
                            .append(": max-connections-per-client\"\n");
                }
                if (s.maxConnections() > 0) {
                    forward.append("    ").append(flow).append(" ct count over ").append(s.maxConnections())
                            .append(" reject with tcp reset comment \"").append(s.name()).append(": max-connections\"\n");
                }
                // One counter each way and one for new flows per configured server: what /metrics
                // shows of the server, with the sessions and bytes names the proxy's have.
                for (Target t : s.counted()) {
                    String to = "ip daddr " + t.address() + " tcp dport " + t.port();
                    String from = "ip saddr " + t.address() + " tcp sport " + t.port();
                    String svc = "meta l4proto tcp ct status dnat " + original;
                    count.append("    ").append(svc).append(" ").append(to).append(" counter comment \"")
                            .append(Counted.comment(s.name(), t, Counted.TO_SERVER)).append("\"\n");
                    count.append("    ").append(svc).append(" ").append(from).append(" counter comment \"")
                            .append(Counted.comment(s.name(), t, Counted.TO_CLIENT)).append("\"\n");
                    count.append("    ").append(svc).append(" ct state new ").append(to).append(" counter comment \"")
                            .append(Counted.comment(s.name(), t, Counted.FLOWS)).append("\"\n");
                }
                if (s.nat() == NatMode.FULL) {
                    post.append("    meta l4proto tcp ct status dnat ").append(original).append(" masquerade comment \"")
                            .append(s.name()).append("\"\n");
                }
            }
        }
        return sets + "  chain forward {\n    type filter hook forward priority filter; policy accept;\n" + forward + "  }\n"
                + "  chain count {\n    type filter hook forward priority filter + 10; policy accept;\n" + count + "  }\n"
                + "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n" + post + "  }\n";
    }

    /** The whole transaction: the table replaced by one holding {@code services}' rules. */
    static String render(List<Service> services) {
        StringBuilder pre = new StringBuilder();
        for (String rule : choices(services)) {
            pre.append("    ").append(rule).append("\n");
        }
        return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\ntable ip " + TABLE + " {\n" + structure(services)
                + "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n" + pre + "  }\n"
                + "}\n";
    }

    /** The transaction that swaps the choices alone, the rest of the table (and its counts) untouched. */
    static String renderChoices(List<String> choices) {
        StringBuilder b = new StringBuilder("flush chain ip " + TABLE + " prerouting\n");
        for (String rule : choices) {
            b.append("add rule ip ").append(TABLE).append(" prerouting ").append(rule).append("\n");
        }
        return b.toString();
    }

    private static String match(HostPort l) {
        return (l.host().equals("0.0.0.0") ? "" : "ip daddr " + l.host() + " ") + "tcp dport " + l.port();
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
