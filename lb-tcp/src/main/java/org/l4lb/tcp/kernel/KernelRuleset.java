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

    /** A server the map sends to, with its weight now (ramps and slow start included) and its max-conns (0: none). */
    record Target(String address, int port, int weight, int maxConns, String mac) {

        Target(String address, int port, int weight) {
            this(address, port, weight, 0, null);
        }

        Target(String address, int port, int weight, int maxConns) {
            this(address, port, weight, maxConns, null);
        }

        String element() {
            return address + " . " + port;
        }
    }

    /** LVS's persistence_timeout: a client's server remembered this long after its last packet. */
    record Persistence(long seconds, int maxEntries) {

        static final Persistence NONE = new Persistence(0, 0);

        boolean on() {
            return seconds > 0;
        }
    }

    /**
     * One kernel-forwarded service and the servers that take new flows now.
     *
     * @param maxConnections flows at once to the service, 0 for no bound
     * @param maxPerClient flows at once from one client address, 0 for no bound
     * @param counted every configured server, with its max-conns: each gets counters
     * @param refused the source ranges allow/deny refuse ({@link RefusedRanges})
     */
    record Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat,
            List<Target> targets, int maxConnections, int maxPerClient, List<Target> counted, List<String> refused,
            Persistence persistence, Link link) {

        Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat, List<Target> targets) {
            this(name, listen, strategy, hashKey, nat, targets, 0, 0, List.of(), List.of(), Persistence.NONE, null);
        }

        Service(String name, List<HostPort> listen, Strategy strategy, HashKey hashKey, NatMode nat,
                List<Target> targets, int maxConnections, int maxPerClient, List<Target> counted, List<String> refused,
                Persistence persistence) {
            this(name, listen, strategy, hashKey, nat, targets, maxConnections, maxPerClient, counted, refused, persistence,
                    null);
        }

        boolean dsr() {
            return nat == NatMode.DSR;
        }
    }

    /** Where direct server return sends a service's frames: the servers' interface and its own MAC address. */
    record Link(String device, String mac) {

        String chain() {
            return "in_" + device.replaceAll("[^A-Za-z0-9_]", "_");
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
     * The commands that pick a server for a new flow (the prerouting chain's rules, and the sets of
     * servers a remembered client may go back to): all that health, admin states, weights, ramps
     * and max-conns change.
     */
    static List<String> choices(List<Service> services) {
        List<String> commands = new java.util.ArrayList<>();
        for (Link link : links(services)) {
            commands.add("flush chain netdev " + TABLE + " " + link.chain());
        }
        for (int n = 0; n < services.size(); n++) {
            Service s = services.get(n);
            if (s.dsr()) {
                commands.addAll(directReturn(s));
                continue;
            }
            String map = map(s.targets(), Target::element);
            for (HostPort l : s.listen()) {
                // Nothing eligible: no rule, and the node's own stack, with no listener there, resets.
                if (map == null) {
                    continue;
                }
                String comment = " comment \"" + s.name() + "\"";
                if (s.persistence().on()) {
                    // A remembered client goes back to its server; a client not in the map falls through.
                    commands.add(PRE + match(l) + " dnat ip to ip saddr map @sticky_" + n + comment);
                }
                commands.add(PRE + match(l) + " dnat ip to " + selector(s) + " map { " + map + " }" + comment);
            }
            if (s.persistence().on()) {
                commands.add("flush set ip " + TABLE + " live_" + n);
                if (!s.targets().isEmpty()) {
                    commands.add("add element ip " + TABLE + " live_" + n + " { " + String.join(", ",
                            s.targets().stream().map(Target::element).toList()) + " }");
                }
            }
        }
        return commands;
    }

    private static final String PRE = "add rule ip " + TABLE + " prerouting ";

    /**
     * Direct server return, on the ingress hook of the servers' interface, before routing and
     * conntrack: a frame to the VIP leaves again on the same link to the chosen server's MAC
     * address, from the node's own, its IP packet untouched; the server holds the VIP and answers
     * the client itself. Each packet is hashed alone, so every packet of a flow finds one server.
     */
    private static List<String> directReturn(Service s) {
        List<String> commands = new java.util.ArrayList<>();
        Link link = s.link();
        String map = map(s.targets(), Target::mac);
        if (link == null || map == null) {
            return commands; // no server reachable: the node's own stack, with no listener there, resets
        }
        String rule = "add rule netdev " + TABLE + " " + link.chain() + " ";
        for (HostPort l : s.listen()) {
            String match = "ip daddr " + l.host() + " tcp dport " + l.port();
            if (!s.refused().isEmpty()) {
                commands.add(rule + match + " ip saddr { " + String.join(", ", s.refused()) + " } drop comment \""
                        + s.name() + ": allow/deny\"");
            }
            commands.add(rule + match + " ether saddr set " + link.mac() + " ether daddr set " + selector(s) + " map { "
                    + map + " } fwd to \"" + link.device() + "\" comment \"" + s.name() + "\"");
        }
        return commands;
    }

    /** The interfaces direct server return sends on, once each. */
    private static List<Link> links(List<Service> services) {
        return services.stream().filter(Service::dsr).map(Service::link).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** The ingress table of direct server return: a chain per interface, its rules among the choices. */
    static String directReturnTable(List<Service> services) {
        StringBuilder b = new StringBuilder("table netdev " + TABLE + " {\n");
        for (Link link : links(services)) {
            b.append("  chain ").append(link.chain()).append(" {\n    type filter hook ingress device \"").append(link.device())
                    .append("\" priority 0; policy accept;\n  }\n");
        }
        return b.append("}\n").toString();
    }

    /**
     * The rest of the table: the limits (whose counts of open flows live in their rules, so they
     * are replaced only when the limits change) and the source NAT.
     */
    static String structure(List<Service> services) {
        StringBuilder post = new StringBuilder();
        StringBuilder forward = new StringBuilder();
        // Sets, maps and the limits' chains: declared before the rules that name them.
        StringBuilder head = new StringBuilder();
        StringBuilder count = new StringBuilder();
        for (int n = 0; n < services.size(); n++) {
            Service s = services.get(n);
            if (s.dsr()) {
                continue; // nothing of it passes the hooks of this table
            }
            if (s.persistence().on()) {
                head.append("  map sticky_").append(n).append(" { type ipv4_addr : ipv4_addr . inet_service; flags dynamic,timeout;")
                        .append(" timeout ").append(s.persistence().seconds()).append("s; size ")
                        .append(s.persistence().maxEntries()).append("; }\n");
                head.append("  set live_").append(n).append(" { type ipv4_addr . inet_service; }\n");
            }
            if (!s.refused().isEmpty()) {
                head.append("  set refused_").append(n).append(" { type ipv4_addr; flags interval; elements = { ")
                        .append(String.join(", ", s.refused())).append(" }; }\n");
            }
            if (s.maxPerClient() > 0) {
                head.append("  set clients_").append(n).append(" { type ipv4_addr; size 65535; flags dynamic; }\n");
            }
            // The limits once per service, in a chain of their own that each listen address jumps
            // to: a rule's ct count counts the flows that rule saw, and the limits are the service's.
            StringBuilder limits = new StringBuilder();
            if (!s.refused().isEmpty()) {
                limits.append("    ip saddr @refused_").append(n)
                        .append(" reject with tcp reset comment \"").append(s.name()).append(": allow/deny\"\n");
            }
            if (s.maxPerClient() > 0) {
                limits.append("    add @clients_").append(n).append(" { ip saddr ct count over ")
                        .append(s.maxPerClient()).append(" } reject with tcp reset comment \"").append(s.name())
                        .append(": max-connections-per-client\"\n");
            }
            if (s.maxConnections() > 0) {
                limits.append("    ct count over ").append(s.maxConnections())
                        .append(" reject with tcp reset comment \"").append(s.name()).append(": max-connections\"\n");
            }
            for (Target t : s.counted()) {
                if (t.maxConns() > 0) {
                    // Between two reads of the open flows the server may still be in the map: over its
                    // max-conns, a flow is refused here rather than sent.
                    limits.append("    ip daddr ").append(t.address()).append(" tcp dport ")
                            .append(t.port()).append(" ct count over ").append(t.maxConns())
                            .append(" reject with tcp reset comment \"").append(s.name()).append(": ")
                            .append(t.address()).append(":").append(t.port()).append(" max-conns\"\n");
                }
            }
            if (!limits.isEmpty()) {
                head.append("  chain limits_").append(n).append(" {\n").append(limits).append("  }\n");
            }
            for (HostPort l : s.listen()) {
                String original = (l.host().equals("0.0.0.0") ? "" : "ct original ip daddr " + l.host() + " ")
                        + "ct original proto-dst " + l.port();
                if (!limits.isEmpty()) {
                    // A new flow of this service once DNAT chose its server: where the limits apply
                    // (conntrack counts the flows; reject is allowed on the forward hook).
                    forward.append("    meta l4proto tcp ct state new ct status dnat ").append(original)
                            .append(" jump limits_").append(n).append("\n");
                }
                if (s.persistence().on()) {
                    // Every packet from a client to a server that takes flows (re)starts its timeout, as
                    // an LVS template lives while its connections do; a flow refused above is not remembered.
                    forward.append("    meta l4proto tcp ct status dnat ct direction original ").append(original)
                            .append(" ip daddr . tcp dport @live_").append(n).append(" update @sticky_").append(n)
                            .append(" { ip saddr : ip daddr . tcp dport } comment \"").append(s.name())
                            .append(": persistence\"\n");
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
        return head + "  chain forward {\n    type filter hook forward priority filter; policy accept;\n" + forward + "  }\n"
                + "  chain count {\n    type filter hook forward priority filter + 10; policy accept;\n" + count + "  }\n"
                + "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n" + post + "  }\n";
    }

    /**
     * The whole transaction: the table replaced by one holding {@code services}' rules, then
     * {@code extra} commands (remembered clients carried over).
     */
    static String render(List<Service> services, List<String> extra) {
        StringBuilder b = new StringBuilder(removal() + "table ip " + TABLE + " {\n" + structure(services)
                + "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n  }\n}\n"
                + directReturnTable(services));
        for (String c : choices(services)) {
            b.append(c).append("\n");
        }
        for (String c : extra) {
            b.append(c).append("\n");
        }
        return b.toString();
    }

    static String render(List<Service> services) {
        return render(services, List.of());
    }

    /** The transaction that swaps the choices alone, the rest of the table (and its counts) untouched. */
    static String renderChoices(List<String> choices) {
        StringBuilder b = new StringBuilder("flush chain ip " + TABLE + " prerouting\n");
        for (String c : choices) {
            b.append(c).append("\n");
        }
        return b.toString();
    }

    private static String match(HostPort l) {
        return (l.host().equals("0.0.0.0") ? "" : "ip daddr " + l.host() + " ") + "tcp dport " + l.port();
    }

    /** What removes the table: a clean stop, or a start after a crash with no kernel service left. */
    static String removal() {
        return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\ntable netdev " + TABLE + "\ndelete table netdev " + TABLE
                + "\n";
    }

    private static String selector(Service s) {
        int total = s.targets().stream().mapToInt(t -> Math.max(0, t.weight())).sum();
        return switch (s.strategy()) {
            case IP_HASH -> "jhash ip saddr mod " + total + " seed " + SEED;
            case HASH -> (s.hashKey() == HashKey.SOURCE_IP_PORT ? "jhash ip saddr . tcp sport" : "jhash ip saddr")
                    + " mod " + total + " seed " + SEED;
            case RANDOM -> "numgen random mod " + total;
            default -> "numgen inc mod " + total;
        };
    }

    /** "0-0 : 10.0.0.1 . 80, 1-3 : 10.0.0.2 . 80": each server a range as wide as its weight; null when none. */
    private static String map(List<Target> targets, java.util.function.Function<Target, String> value) {
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
            m.append(from == to ? Integer.toString(from) : from + "-" + to).append(" : ").append(value.apply(t));
            from = to + 1;
        }
        return m.length() == 0 ? null : m.toString();
    }
}
