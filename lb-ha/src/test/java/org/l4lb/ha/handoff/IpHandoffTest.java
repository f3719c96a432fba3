package org.l4lb.ha.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.command.Commands;
import org.l4lb.ha.vip.IpVipManager;

/** What the ip VIP manager asks of nft in a flow handoff, and how it falls back without nft. */
class IpHandoffTest {

    private static final String ADDRS = "1: lo    inet 127.0.0.1/8 scope host lo\n"
            + "2: eth0    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth0\n"
            + "2: eth0    inet 10.99.1.100/24 scope global secondary eth0\n";

    private final List<String> ran = new CopyOnWriteArrayList<>();

    private Commands machine(boolean nftWorks) {
        return (command, timeout) -> {
            ran.add(String.join(" ", command));
            if (command.equals(List.of("ip", "-o", "addr", "show"))) {
                return new Commands.Result(0, ADDRS);
            }
            if (command.contains("-e") && command.get(0).equals("ss")) {
                // An orphan in LAST_ACK (no inode) and a half-closed session of this node's own.
                return new Commands.Result(0, """
                        LAST-ACK 0 1 10.99.1.100:80 10.99.1.50:40001 timer:(on,1.2sec,3) ino:0 sk:1
                        FIN-WAIT-2 0 0 10.99.1.100:80 10.99.1.50:40002 ino:4711 sk:2 cgroup:/ <--
                        """);
            }
            if (command.get(0).equals("nft") && !nftWorks) {
                return new Commands.Result(-1, "Cannot run program \"nft\": error=2, No such file or directory");
            }
            return new Commands.Result(0, "");
        };
    }

    private List<String> nft() {
        return ran.stream().filter(c -> c.startsWith("nft ")).toList();
    }

    @Test
    void theOldMasterKeepsItsVipsQuietlyAndAdvertisesItsOwnAddress() {
        IpVipManager m = new IpVipManager("", List.of("10.99.1.100/24"), 1, Duration.ofMillis(10), machine(true), true);
        m.start();
        assertThat(nft()).singleElement().asString()
                .contains("delete table ip l4lb_handoff", "delete table arp l4lb_handoff", "socket wildcard 1")
                .endsWith("flush chain ip l4lb_handoff pass");
        assertThat(m.handoffAddress()).as("its own address on the VIP's interface, not the VIP").contains("10.99.1.11");
        ran.clear();
        assertThat(m.keepQuietly()).isTrue();
        assertThat(nft()).singleElement().asString().contains("table arp l4lb_handoff", "arp saddr ip { 10.99.1.100 } drop");
        ran.clear();
        m.release();
        assertThat(ran).contains("ip addr del 10.99.1.100/24 dev eth0", "nft table arp l4lb_handoff; delete table arp l4lb_handoff");
    }

    @Test
    void theNewMasterPassesNonSynPacketsWithoutASocketOfItsOwnToTheOldOne() {
        IpVipManager m = new IpVipManager("", List.of("10.99.1.100/24"), 1, Duration.ofMillis(10), machine(true), true);
        m.start();
        ran.clear();
        m.passUnknownFlows("10.99.1.12");
        assertThat(nft()).containsExactly("nft flush chain ip l4lb_handoff pass; add rule ip l4lb_handoff pass ip daddr 10.99.1.100"
                + " tcp flags & syn == 0 ct state != established socket wildcard 1 dup to 10.99.1.12 device \"eth0\" drop");
        // Its own closed sockets on the VIP would keep their 4-tuples here: dropped once the rule
        // is in, on a thread of their own (the VIP's adding must not wait for it): all TIME_WAIT
        // ones, and the closing ones no process owns; the half-closed session stays.
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (ran.stream().filter(c -> c.startsWith("ss ")).count() < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(ran.stream().filter(c -> c.startsWith("nft ") || c.startsWith("ss "))).endsWith(
                "ss -K -t -n state time-wait src 10.99.1.100",
                "ss -t -n -e -H state fin-wait-1 state fin-wait-2 state closing state last-ack src 10.99.1.100",
                "ss -K -t -n state fin-wait-1 state fin-wait-2 state closing state last-ack src 10.99.1.100:80 dst 10.99.1.50:40001");
        ran.clear();
        m.passUnknownFlows(null);
        assertThat(nft()).containsExactly("nft flush chain ip l4lb_handoff pass");
        assertThat(ran).noneMatch(c -> c.startsWith("ss "));
        ran.clear();
        m.close();
        assertThat(nft()).last().asString().contains("delete table ip l4lb_handoff", "delete table arp l4lb_handoff");
    }

    @Test
    void withoutNftANodeDoesNotHandOffAndReleasesAsKeepalivedWould() {
        IpVipManager m = new IpVipManager("", List.of("10.99.1.100/24"), 1, Duration.ofMillis(10), machine(false), true);
        m.start();
        assertThat(m.handoffAddress()).as("nothing to advertise: nobody must pass flows here").isEmpty();
        ran.clear();
        assertThat(m.keepQuietly()).isFalse();
        m.passUnknownFlows("10.99.1.12");
        assertThat(nft()).as("no nft call after a failed install").isEmpty();
    }

    @Test
    void ipv6VipsAreLeftOutOfTheHandoff() {
        IpVipManager m = new IpVipManager("eth0", List.of("10.99.1.100/24", "fd00::100/64"), 1, Duration.ofMillis(10),
                machine(true), true);
        m.start();
        ran.clear();
        assertThat(m.keepQuietly()).isTrue();
        assertThat(nft()).singleElement().asString().contains("{ 10.99.1.100 }").doesNotContain("fd00");
        // Kept, it would answer neighbour solicitations and pull the clients back: it goes at once.
        assertThat(ran).contains("ip addr del fd00::100/64 dev eth0").doesNotContain("ip addr del 10.99.1.100/24 dev eth0");
    }
}
