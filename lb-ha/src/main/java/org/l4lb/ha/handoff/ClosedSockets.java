package org.l4lb.ha.handoff;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.l4lb.ha.command.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops this node's sockets on a VIP that its application has already closed, with iproute2's
 * {@code ss -K} (the kernel needs {@code CONFIG_INET_DIAG_DESTROY}): every TIME_WAIT socket, and
 * each FIN_WAIT, CLOSING or LAST_ACK socket that no process owns any more. Such a socket would
 * keep the packets of its 4-tuple on this node while the flow handoff passes on every packet that
 * finds no socket; nothing of this node reads or writes it any more. A half-closed session of its
 * own (FIN_WAIT with an owner) still relays the other way and stays.
 */
final class ClosedSockets {

    private static final Logger LOG = LoggerFactory.getLogger(ClosedSockets.class);

    /** The states in which this node has sent its FIN; TIME_WAIT aside. */
    private static final List<String> CLOSING = List.of("state", "fin-wait-1", "state", "fin-wait-2", "state", "closing",
            "state", "last-ack");

    private final Commands commands;
    private final Duration timeout;

    ClosedSockets(Commands commands, Duration timeout) {
        this.commands = commands;
        this.timeout = timeout;
    }

    /** @return how many sockets were dropped, or -1 when the kernel or ss would not */
    long drop(String vip) {
        // TIME_WAIT sockets have no owner by definition and can be thousands: one command.
        Commands.Result r = commands.run(List.of("ss", "-K", "-t", "-n", "state", "time-wait", "src", vip), timeout);
        if (!killed(r, vip)) {
            return -1;
        }
        long dropped = printed(r, vip);
        for (String[] tuple : ownerless(vip)) {
            // The same states again: a connection that took the 4-tuple since is never hit.
            Commands.Result one = commands.run(command(List.of("ss", "-K", "-t", "-n"), CLOSING, List.of("src", tuple[0], "dst",
                    tuple[1])), timeout);
            if (killed(one, vip)) {
                dropped += printed(one, vip);
            }
        }
        if (dropped > 0) {
            LOG.info("flow handoff: dropped {} closed socket(s) of this node on {}, so their ports pass on too", dropped, vip);
        }
        return dropped;
    }

    /**
     * The local and peer address of each closing socket on the VIP that no process owns any more
     * ({@code ino:0}: the application closed it and the kernel only ends the exchange). A socket
     * in these states was accepted and then shut down by this node, so it is never one still
     * waiting in an accept queue.
     */
    private List<String[]> ownerless(String vip) {
        Commands.Result r = commands.run(command(List.of("ss", "-t", "-n", "-e", "-H"), CLOSING, List.of("src", vip)), timeout);
        if (!r.ok()) {
            LOG.warn("flow handoff: cannot list this node's closing sockets on {} ({})", vip, r.output());
            return List.of();
        }
        List<String[]> tuples = new ArrayList<>();
        for (String line : r.output().split("\\n")) {
            List<String> fields = Arrays.stream(line.trim().split("\\s+")).map(ClosedSockets::ipv4).toList();
            int local = IntStream.range(0, fields.size()).filter(i -> fields.get(i).startsWith(vip + ":")).findFirst().orElse(-1);
            if (local >= 0 && local + 1 < fields.size() && fields.contains("ino:0")) {
                tuples.add(new String[] {fields.get(local), fields.get(local + 1)});
            }
        }
        return tuples;
    }

    @SafeVarargs
    private static List<String> command(List<String>... parts) {
        return Arrays.stream(parts).flatMap(List::stream).toList();
    }

    /** ss prints a header, then each socket it closed. */
    private static long printed(Commands.Result r, String vip) {
        return r.output().lines().filter(l -> ipv4(l).contains(vip + ":")).count();
    }

    /**
     * A dual-stack socket (Java's and Netty's by default) shows its IPv4 addresses mapped,
     * {@code [::ffff:10.0.0.1]:80}; ss's filters take them as plain IPv4.
     */
    private static String ipv4(String text) {
        return text.replaceAll("\\[::ffff:([0-9.]+)]", "$1");
    }

    private static boolean killed(Commands.Result r, String vip) {
        // ss exits 0 when the kernel refuses to destroy (no CONFIG_INET_DIAG_DESTROY); netlink's
        // refusal is on its stderr ("RTNETLINK answers: Operation not supported").
        if (!r.ok() || r.output().contains("answers:")) {
            LOG.warn("flow handoff: cannot drop this node's closed sockets on {} ({}): a client that reuses one"
                    + " of their ports for the old master may stall until the handoff times out", vip, r.output());
            return false;
        }
        return true;
    }
}
