package org.l4lb.ha.handoff;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.l4lb.ha.command.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FlowHandoff} with nftables, in tables of its own ({@value #TABLE}, or {@value #TABLE}_NAME
 * for a named instance; families ip and arp), so it neither reads nor touches the operator's rules
 * or another instance's.
 *
 * <p>The new master passes on every non-SYN TCP packet to a VIP that finds no socket of its own
 * but a listener bound to the wildcard address ({@code socket wildcard 1}: an established,
 * half-open or TIME_WAIT socket of this node would have been found first), and that conntrack has
 * not seen both directions of (a handshake answered with a SYN cookie has no socket yet). Passing
 * on is {@code dup to} the old master's address, which sends the packet unchanged to that
 * neighbour's MAC (no routing, so {@code ip_forward = 0} is fine), and dropping the original. The
 * old master still holds the VIP, so its stack takes the packet as if it came straight from the
 * client and answers the client directly. A SYN always stays here. Every decision is per packet,
 * so a FIN or RST of a passed-on flow is passed on too.
 *
 * <p>A socket of this node on a VIP that its application has already closed, left from its own
 * earlier turn as master, would keep the packets of its 4-tuple here: a client that reused that
 * source port for a connection to the old master (it can: its own side of the old connection is
 * gone) would get no ACK or FIN through, and the old master would hold that session open until
 * the handoff times out. TIME_WAIT sockets are the common case; a node that was stopped (SIGSTOP,
 * a long pause) also leaves LAST_ACK ones: its kernel completed handshakes the clients gave up
 * on, and when it ran again it closed them towards clients that had moved on. So when passing
 * starts, those sockets are dropped ({@link ClosedSockets}).
 */
public final class NftFlowHandoff implements FlowHandoff {

    private static final Logger LOG = LoggerFactory.getLogger(NftFlowHandoff.class);
    static final String TABLE = "l4lb_handoff";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String table;
    private volatile List<String> vips;
    /** Where this node's closed sockets on the VIPs are dropped, one run after another. */
    private final ExecutorService drops = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "l4lb-closed-sockets");
        t.setDaemon(true);
        return t;
    });
    private final Commands commands;
    private final ClosedSockets closedSockets;
    private boolean installed;

    /** @param vips IPv4 VIP addresses without prefix (nftables' ip family; IPv6 VIPs move as before) */
    public NftFlowHandoff(List<String> vips, Commands commands) {
        this(TABLE, vips, commands);
    }

    /** @param table the name of this instance's tables */
    public NftFlowHandoff(String table, List<String> vips, Commands commands) {
        this.table = table;
        this.vips = List.copyOf(vips);
        this.commands = commands;
        this.closedSockets = new ClosedSockets(commands, TIMEOUT);
    }

    @Override
    public void addresses(List<String> next) {
        this.vips = List.copyOf(next);
    }

    @Override
    public boolean install() {
        if (vips.isEmpty()) {
            return false;
        }
        // Declaring a table before deleting it makes the delete succeed when it is absent: a
        // previous life's rules (after a SIGKILL) go in the same transaction that adds the new ones.
        // The probe rule, added and flushed in the same transaction, fails here rather than at the
        // first handoff when the kernel lacks the socket or conntrack expressions.
        String script = "table ip " + table + "; delete table ip " + table + "; table arp " + table + "; delete table arp " + table + "; "
                + "table ip " + table + " { chain pass { type filter hook prerouting priority -150; policy accept; }; }; "
                + "add rule ip " + table + " pass " + passRule(vips.get(0), "127.0.0.1", "lo") + "; "
                + "flush chain ip " + table + " pass";
        Commands.Result r = nft(script);
        installed = r.ok();
        if (!installed) {
            LOG.warn("flow handoff off ({}): a planned VIP move will reset the connections open at the move;"
                    + " install nftables (nft) or set ha.flow-handoff = false", r.output());
        } else {
            LOG.info("flow handoff ready for {}", String.join(", ", vips));
        }
        return installed;
    }

    @Override
    public boolean quiet() {
        return installed && check(nft("table arp " + table + " { chain out { type filter hook output priority 0; policy accept; "
                    + "arp saddr ip { " + String.join(", ", vips) + " } drop; }; }"), "stop answering ARP for the VIPs");
    }

    @Override
    public void speak() {
        if (installed) {
            check(nft("table arp " + table + "; delete table arp " + table), "answer ARP for the VIPs again");
        }
    }

    @Override
    public void passUnknownFlows(String to, Map<String, String> devices) {
        if (!installed) {
            return;
        }
        StringBuilder script = new StringBuilder("flush chain ip " + table + " pass");
        if (to != null) {
            for (String vip : vips) {
                String dev = devices.get(vip);
                if (dev == null) {
                    continue;
                }
                script.append("; add rule ip ").append(table).append(" pass ").append(passRule(vip, to, dev));
            }
        }
        if (check(nft(script.toString()), to == null ? "stop passing flows on" : "pass unknown flows on to " + to)) {
            if (to == null) {
                LOG.info("flow handoff: no longer passing unknown flows on");
            } else {
                LOG.info("flow handoff: passing flows this node does not know to {} ({})", to,
                        devices.entrySet().stream().map(e -> e.getKey() + " on " + e.getValue()).collect(Collectors.joining(", ")));
                // Off the thread that adds the VIPs: nothing that can take its time may stand
                // between becoming master and the VIPs being there.
                List<String> now = vips;
                drops.execute(() -> now.forEach(closedSockets::drop));
            }
        }
    }

    @Override
    public void uninstall() {
        if (installed) {
            check(nft("table ip " + table + "; delete table ip " + table + "; table arp " + table + "; delete table arp " + table),
                    "remove the flow handoff tables");
            installed = false;
        }
    }

    /** The tables of an instance: the one an {@code ha} block makes keeps the name it has always had. */
    public static String tableOf(String instance) {
        return instance.equals(org.l4lb.core.config.HaConfig.SHORTHAND) ? TABLE : TABLE + "_" + instance;
    }

    private static String passRule(String vip, String to, String dev) {
        return "ip daddr " + vip + " tcp flags & syn == 0 ct state != established socket wildcard 1 dup to " + to
                + " device \"" + dev + "\" drop";
    }

    private Commands.Result nft(String script) {
        return commands.run(List.of("nft", script), TIMEOUT);
    }

    private static boolean check(Commands.Result r, String what) {
        if (!r.ok()) {
            LOG.error("flow handoff: cannot {}: {}", what, r.output());
        }
        return r.ok();
    }
}
