package org.l4lb.ha.vip;

import org.l4lb.ha.command.Commands;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class IpVipManagerTest {

    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final Commands fake = new Commands() {
        @Override
        public Result run(List<String> command, Duration timeout) {
            ran.add(String.join(" ", command));
            if (command.contains("add") && ran.stream().filter(c -> c.contains("addr add")).count() > 1) {
                return new Result(2, "RTNETLINK answers: File exists");
            }
            return new Result(0, "");
        }
    };

    @Test
    void acquireAddsEachVipThenSendsGratuitousArpsAndReleaseRemoves() throws Exception {
        IpVipManager m = new IpVipManager("eth0", List.of("10.99.0.100/24", "10.99.0.101"), 3, Duration.ofMillis(20), fake);
        m.acquire();
        Thread.sleep(300);
        assertThat(ran).contains("ip addr add 10.99.0.100/24 dev eth0", "ip addr add 10.99.0.101/32 dev eth0");
        assertThat(ran.stream().filter(c -> c.equals("arping -U -c 1 -I eth0 10.99.0.100")).count()).isEqualTo(3);
        ran.clear();
        m.release();
        assertThat(ran).containsExactly("ip addr del 10.99.0.100/24 dev eth0", "ip addr del 10.99.0.101/32 dev eth0");
    }

    @Test
    void aTakeoverWithFlowHandoffListsTheAddressesOnce() throws Exception {
        // Each `ip` run is a fork and exec on the takeover path: where the VIPs go and this node's
        // own address (for the handoff) come from one listing.
        Commands kernel = (command, timeout) -> {
            ran.add(String.join(" ", command));
            return new Commands.Result(0, command.equals(List.of("ip", "-o", "addr", "show"))
                    ? "1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth0\n"
                    : "");
        };
        IpVipManager m = new IpVipManager("", List.of("10.99.1.100/24"), 1, Duration.ofMillis(20), kernel, true);
        m.start();
        assertThat(m.handoffAddress()).contains("10.99.1.11");
        ran.clear();
        m.acquire();
        // A copy: the gratuitous ARPs go on adding to the list from their own thread.
        List<String> seen = List.copyOf(ran);
        int added = seen.indexOf("ip addr add 10.99.1.100/24 dev eth0");
        assertThat(added).isPositive();
        // Counted up to the add: the gratuitous ARPs that follow list the addresses on their own.
        assertThat(seen.subList(0, added).stream().filter(c -> c.equals("ip -o addr show")).count()).isEqualTo(1);
        m.close();
    }

    @Test
    void aReloadRemovesTheVipsThatAreGoneAndAMasterAddsTheNewOnes() throws Exception {
        Commands kernel = (command, timeout) -> {
            ran.add(String.join(" ", command));
            return new Commands.Result(0, command.equals(List.of("ip", "-o", "addr", "show"))
                    ? "2: eth0    inet 10.99.0.11/24 scope global eth0\n2: eth0    inet 10.99.0.100/24 scope global secondary eth0\n"
                    + "2: eth0    inet 10.99.0.101/32 scope global secondary eth0\n" : "");
        };
        IpVipManager m = new IpVipManager("", List.of("10.99.0.100/24", "10.99.0.101"), 1, Duration.ofMillis(20), kernel);
        m.virtualIps(List.of("10.99.0.100/24", "10.99.0.102/24"), true);
        assertThat(ran).contains("ip addr del 10.99.0.101/32 dev eth0", "ip addr add 10.99.0.102/24 dev eth0")
                .doesNotContain("ip addr del 10.99.0.100/24 dev eth0");
        ran.clear();
        m.virtualIps(List.of("10.99.0.100/24"), false);
        assertThat(ran).as("a backup adds nothing").noneMatch(c -> c.contains("addr add"));
        ran.clear();
        m.release();
        assertThat(ran).contains("ip addr del 10.99.0.100/24 dev eth0").noneMatch(c -> c.contains("10.99.0.102"));
    }

    @Test
    void releaseCancelsTheAnnouncesStillToCome() throws Exception {
        IpVipManager m = new IpVipManager("eth0", List.of("10.99.0.100/24"), 5, Duration.ofMillis(200), fake);
        m.acquire();
        Thread.sleep(50);
        m.release();
        Thread.sleep(1200);
        assertThat(ran.stream().filter(c -> c.startsWith("arping")).count()).isEqualTo(1);
    }

    @Test
    void withNoInterfaceConfiguredEachVipGoesToTheInterfaceOfItsSubnetEvenWhenRenamed() throws Exception {
        String[] addrShow = {"1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth0\n"};
        // A kernel that keeps the addresses ip adds and deletes, and lists them like ip -o addr show.
        Commands kernel = (command, timeout) -> {
            ran.add(String.join(" ", command));
            if (command.equals(List.of("ip", "-o", "addr", "show"))) {
                return new Commands.Result(0, addrShow[0]);
            }
            if (command.size() == 6 && command.get(1).equals("addr")) {
                String line = "9: " + command.get(5) + "    inet " + command.get(3) + " scope global secondary\n";
                addrShow[0] = command.get(2).equals("add") ? addrShow[0] + line : addrShow[0].replace(line, "");
            }
            return new Commands.Result(0, "");
        };
        IpVipManager m = new IpVipManager("", List.of("10.99.1.100/24", "10.99.7.1/24"), 1, Duration.ofMillis(20), kernel);
        m.acquire();
        Thread.sleep(200);
        assertThat(ran).contains("ip addr add 10.99.1.100/24 dev eth0").noneMatch(c -> c.contains("10.99.7.1/24 dev"));
        // The container was reconnected: its interface is eth1 now, and the VIP went with the old one.
        addrShow[0] = "1: lo    inet 127.0.0.1/8 scope host lo\n9: eth1    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth1\n";
        ran.clear();
        m.acquire();
        Thread.sleep(200);
        assertThat(ran).contains("ip addr add 10.99.1.100/24 dev eth1", "arping -U -c 1 -I eth1 10.99.1.100");
        ran.clear();
        m.release();
        assertThat(ran).containsExactly("ip -o addr show", "ip addr del 10.99.1.100/24 dev eth1");
    }

    @Test
    void anAddressAlreadyPresentIsFineWhateverIpCallsIt() {
        assertThat(IpVipManager.alreadyThere("RTNETLINK answers: File exists")).isTrue();
        assertThat(IpVipManager.alreadyThere("Error: ipv4: Address already assigned.")).isTrue();
        assertThat(IpVipManager.alreadyThere("ip: RTNETLINK answers: File exists")).isTrue();
        assertThat(IpVipManager.alreadyThere("RTNETLINK answers: Operation not permitted")).isFalse();
    }

    @Test
    void anAddressAlreadyGoneIsFineWhateverIpCallsIt() {
        assertThat(IpVipManager.alreadyGone("RTNETLINK answers: Cannot assign requested address")).isTrue();
        assertThat(IpVipManager.alreadyGone("Error: ipv4: Address not found.")).isTrue();
        assertThat(IpVipManager.alreadyGone("RTNETLINK answers: Operation not permitted")).isFalse();
    }
}
