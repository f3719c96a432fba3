package org.l4lb.ha;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l4lb.core.time.Ticker;
import org.l4lb.ha.cluster.ClusterSettings;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.track.Tracking;
import org.l4lb.ha.vip.VipManager;

/** Real JGroups channels on loopback: elections, failover, partitions and the secret. */
class HaClusterIT {

    private final List<HaNode> nodes = new ArrayList<>();
    private final String group = "test-" + UUID.randomUUID();

    /** Counts VIP holders: +1 on acquire, -1 on release (from a holder). */
    static class RecordingVips implements VipManager {
        volatile boolean holding;
        final AtomicInteger announces = new AtomicInteger();
        final AtomicInteger acquires = new AtomicInteger();
        /** System.nanoTime() of every announcement. */
        final List<Long> announcedAt = new CopyOnWriteArrayList<>();

        @Override
        public void acquire() {
            holding = true;
            acquires.incrementAndGet();
            announce();
        }

        @Override
        public void announce() {
            announces.incrementAndGet();
            announcedAt.add(System.nanoTime());
        }

        @Override
        public void release() {
            holding = false;
        }
    }

    /** A VIP manager that can hand off, logging its calls in order. */
    static final class HandoffVips extends RecordingVips {
        final String address;
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile boolean quiet;

        HandoffVips(String address) {
            this.address = address;
        }

        @Override
        public void acquire() {
            calls.add("acquire");
            quiet = false;
            super.acquire();
        }

        @Override
        public void release() {
            calls.add("release");
            quiet = false;
            super.release();
        }

        @Override
        public boolean keepQuietly() {
            calls.add("keepQuietly");
            quiet = true;
            return true;
        }

        @Override
        public Optional<String> handoffAddress() {
            return Optional.of(address);
        }

        @Override
        public void passUnknownFlows(String to) {
            calls.add("pass " + to);
        }
    }

    record Started(HaNode node, RecordingVips vips, int port) {
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Started node(String name, int port, List<Integer> peers, int priority, String secret, Duration advert)
            throws Exception {
        return node(name, port, peers, priority, secret, advert, new RecordingVips(), () -> 0);
    }

    private Started node(String name, int port, List<Integer> peers, int priority, String secret, Duration advert,
            RecordingVips vips, IntSupplier sessions) throws Exception {
        List<InetSocketAddress> peerAddrs = peers.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
        ClusterSettings s = new ClusterSettings(group, name, new InetSocketAddress("127.0.0.1", port), peerAddrs, secret, advert);
        HaNode n = new HaNode(org.l4lb.core.config.HaConfig.SHORTHAND, s, NodeId.of(InetAddress.getByName("127.0.0.1"), port), priority, true, Duration.ZERO,
                vips, Duration.ofMillis(100), Duration.ofSeconds(30), sessions, new Tracking(), "", 0, Ticker.SYSTEM);
        n.start();
        nodes.add(n);
        return new Started(n, vips, port);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (HaNode n : nodes) {
            n.close();
        }
    }

    private static void await(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + max.toMillis() + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void twoNodesElectTheHigherPriorityAndOnlyItHoldsTheVip() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        Started low = node("low", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert);
        Started high = node("high", p2, List.of(p1, p2), 150, "a-long-shared-secret", advert);
        await(() -> high.node().status().state() == HaState.MASTER && low.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "high master, low backup");
        await(() -> high.vips().holding && !low.vips().holding, Duration.ofSeconds(2), "only the master holds the VIP");
        assertThat(low.node().status().master()).isEqualTo(NodeId.of(InetAddress.getByName("127.0.0.1"), p2));
        assertThat(low.node().status().viewSize()).isEqualTo(2);
    }

    @Test
    void joiningPrintsNothingOfJGroupsOwnOnStdout() throws Exception {
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        int port = freePort();
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Started alone = node("alone", port, List.of(port), 100, "a-long-shared-secret", Duration.ofMillis(300));
            await(() -> alone.node().status().state() == HaState.MASTER, Duration.ofSeconds(10), "alone is master");
        } finally {
            System.setOut(stdout);
        }
        // The banner ("GMS: address=..., physical address=...") came between the node's log lines.
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("GMS:", "-------");
    }

    @Test
    void aLowerNodeJoiningALivingMasterNeverTakesTheVip() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        Started master = node("master", p1, List.of(p1, p2), 150, "a-long-shared-secret", advert);
        await(() -> master.node().status().state() == HaState.MASTER, Duration.ofSeconds(10), "the first node is master");
        for (int i = 0; i < 3; i++) {
            Started joiner = node("joiner" + i, p2, List.of(p1, p2), 100, "a-long-shared-secret", advert);
            await(() -> joiner.node().status().state() == HaState.BACKUP && joiner.node().status().viewSize() == 2,
                    Duration.ofSeconds(10), "the joiner is backup");
            Thread.sleep(4 * advert.toMillis());
            assertThat(joiner.vips().acquires.get()).as("VIP acquisitions by a joining lower node").isZero();
            assertThat(joiner.node().status().transitions()).as("its transitions: INIT -> BACKUP only").isEqualTo(1);
            joiner.node().close();
            nodes.remove(joiner.node());
        }
    }

    @Test
    void aNodeAloneInItsFirstViewWaitsThreeAdvertIntervalsBeforeClaiming() throws Exception {
        // A join that timed out leaves a singleton while the master lives on in another view.
        int p = freePort();
        Started a = node("a", p, List.of(p), 100, "a-long-shared-secret", Duration.ofMillis(300));
        long joined = System.nanoTime(); // start() returns in the first view
        await(() -> a.node().status().state() == HaState.MASTER, Duration.ofSeconds(10), "master");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joined)).as("ms from the first view to MASTER, alone")
                .isGreaterThanOrEqualTo(800);
    }

    @Test
    void aNewMasterAnnouncesOnceMoreAfterALoserWouldHaveLetGo() throws Exception {
        // A loser keeps the VIP for the release grace (100 ms here) and answers ARP meanwhile; a
        // client that resolved it then must be moved again, after the neighbours' 1 s locktime.
        int p = freePort();
        Started a = node("a", p, List.of(p), 100, "a-long-shared-secret", Duration.ofMillis(300));
        await(() -> a.node().status().state() == HaState.MASTER && !a.vips().announcedAt.isEmpty(),
                Duration.ofSeconds(10), "master");
        long first = a.vips().announcedAt.get(0);
        await(() -> a.vips().announcedAt.size() >= 2, Duration.ofSeconds(3), "a second announcement");
        assertThat(TimeUnit.NANOSECONDS.toMillis(a.vips().announcedAt.get(1) - first))
                .as("ms from taking the VIP to the second announcement").isGreaterThanOrEqualTo(1100);
    }

    @Test
    void withoutPeersTheNodesFindEachOtherByMulticast() throws Exception {
        Duration advert = Duration.ofMillis(300);
        Started low = node("low", freePort(), List.of(), 100, "a-long-shared-secret", advert);
        Started high = node("high", freePort(), List.of(), 150, "a-long-shared-secret", advert);
        await(() -> high.node().status().state() == HaState.MASTER && low.node().status().state() == HaState.BACKUP
                && low.node().status().viewSize() == 2, Duration.ofSeconds(10), "high master, low backup, one view");
        await(() -> high.vips().holding && !low.vips().holding, Duration.ofSeconds(2), "only the master holds the VIP");
    }

    @Test
    void threeNodesElectTheTopPriority() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int p3 = freePort();
        List<Integer> all = List.of(p1, p2, p3);
        Duration advert = Duration.ofMillis(300);
        Started a = node("a", p1, all, 120, "a-long-shared-secret", advert);
        Started b = node("b", p2, all, 200, "a-long-shared-secret", advert);
        Started c = node("c", p3, all, 150, "a-long-shared-secret", advert);
        await(() -> b.node().status().state() == HaState.MASTER && a.node().status().state() == HaState.BACKUP
                && c.node().status().state() == HaState.BACKUP, Duration.ofSeconds(10), "b master");
        await(() -> b.vips().holding && !a.vips().holding && !c.vips().holding, Duration.ofSeconds(2), "one VIP holder");
    }

    @Test
    void whenTheMastersChannelClosesABackupIsMasterWithinOneSecond() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofSeconds(1);
        Started backup = node("backup", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert);
        Started master = node("master", p2, List.of(p1, p2), 200, "a-long-shared-secret", advert);
        await(() -> master.node().status().state() == HaState.MASTER && backup.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "elected");
        long t0 = System.nanoTime();
        master.node().close();
        nodes.remove(master.node());
        // The VIP is taken on the node's VIP thread just after the transition: both within the second.
        await(() -> backup.node().status().state() == HaState.MASTER && backup.vips().holding, Duration.ofSeconds(1),
                "backup takes over and holds the VIP");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("failover after the master's channel closed: " + ms + " ms");
    }

    @Test
    void plannedHandoverMovesTheVipBeforeTheMasterLetsGo() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(500);
        Started backup = node("backup", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert);
        Started master = node("master", p2, List.of(p1, p2), 200, "a-long-shared-secret", advert);
        await(() -> master.node().status().state() == HaState.MASTER && backup.vips().holding == false,
                Duration.ofSeconds(10), "elected");
        master.node().handOver(Duration.ofSeconds(5));
        assertThat(backup.node().status().state()).isEqualTo(HaState.MASTER);
        assertThat(master.node().status().state()).isEqualTo(HaState.BACKUP);
        await(() -> !master.vips().holding && backup.vips().holding, Duration.ofSeconds(2), "VIP moved");
    }

    @Test
    void aPreemptedMasterHandsItsConnectionsOffUntilTheyEnd() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        AtomicInteger lowSessions = new AtomicInteger(2);
        HandoffVips lowVips = new HandoffVips("10.99.9.1");
        HandoffVips highVips = new HandoffVips("10.99.9.2");
        Started low = node("low", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert, lowVips, lowSessions::get);
        await(() -> low.node().status().state() == HaState.MASTER, Duration.ofSeconds(10), "low alone is master");
        Started high = node("high", p2, List.of(p1, p2), 200, "a-long-shared-secret", advert, highVips, () -> 0);
        // The VIP calls run on each node's own thread, after the transition.
        await(() -> high.node().status().state() == HaState.MASTER && low.node().status().handingOff()
                && highVips.calls.contains("acquire") && lowVips.quiet, Duration.ofSeconds(10), "high preempts, low hands off");
        // The new master passes the old one's flows on before its ARPs move the clients.
        assertThat(highVips.calls).as("the new master's VIP calls").startsWith("release", "pass 10.99.9.1", "acquire");
        assertThat(high.node().status().passingTo()).isEqualTo("10.99.9.1");
        assertThat(lowVips.quiet).as("the old master keeps the VIPs quietly").isTrue();
        Thread.sleep(1000);
        assertThat(low.node().status().handingOff()).as("still handing off while its sessions are open").isTrue();
        assertThat(lowVips.holding).isTrue();
        lowSessions.set(0);
        await(() -> !lowVips.holding && !low.node().status().handingOff(), Duration.ofSeconds(2),
                "the old master lets the VIPs go once its sessions have ended");
        await(() -> highVips.calls.get(highVips.calls.size() - 1).equals("pass null"), Duration.ofSeconds(2),
                "the new master stops passing flows on");
        assertThat(high.node().status().passingTo()).isEmpty();
    }

    @Test
    void aGracefulStopHandsOffAndTheHandOverReturnsWithTheVipMoved() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        HandoffVips backupVips = new HandoffVips("10.99.9.1");
        HandoffVips masterVips = new HandoffVips("10.99.9.2");
        Started backup = node("backup", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert, backupVips, () -> 0);
        Started master = node("master", p2, List.of(p1, p2), 200, "a-long-shared-secret", advert, masterVips, () -> 1);
        await(() -> master.node().status().state() == HaState.MASTER && backup.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "elected");
        master.node().handOver(Duration.ofSeconds(5));
        assertThat(backup.node().status().state()).isEqualTo(HaState.MASTER);
        assertThat(backup.node().status().passingTo()).isEqualTo("10.99.9.2");
        assertThat(master.node().status().handingOff()).isTrue();
        await(() -> masterVips.quiet, Duration.ofSeconds(2), "the stopping node keeps the VIPs quietly");
        assertThat(masterVips.holding).as("the stopping node keeps the VIPs for its open session").isTrue();
        master.node().close();
        assertThat(masterVips.holding).as("released on close").isFalse();
        await(() -> backup.node().status().passingTo().isEmpty(), Duration.ofSeconds(3),
                "the new master stops passing flows on once the old one has left");
    }

    @Test
    void aPartitionMakesTwoMastersAndTheHealLeavesExactlyOne() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(500);
        Started a = node("a", p1, List.of(p1, p2), 100, "a-long-shared-secret", advert);
        Started b = node("b", p2, List.of(p1, p2), 150, "a-long-shared-secret", advert);
        await(() -> b.node().status().state() == HaState.MASTER && a.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "elected");
        List<DISCARD> cuts = new ArrayList<>();
        for (HaNode n : List.of(a.node(), b.node())) {
            DISCARD d = new DISCARD();
            d.discardAll(true);
            channel(n).getProtocolStack().insertProtocol(d, ProtocolStack.Position.ABOVE, TP.class);
            cuts.add(d);
        }
        await(() -> a.node().status().state() == HaState.MASTER && b.node().status().state() == HaState.MASTER,
                Duration.ofSeconds(5), "both sides master during the partition");
        long healed = System.nanoTime();
        cuts.forEach(d -> d.discardAll(false));
        await(() -> a.node().status().state() == HaState.BACKUP && b.node().status().state() == HaState.MASTER,
                Duration.ofSeconds(15), "exactly one master after the heal");
        await(() -> b.vips().holding && !a.vips().holding, Duration.ofSeconds(2), "one VIP holder");
        System.out.println("one master again " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed)
                + " ms after the heal");
        await(() -> b.vips().announces.get() >= 2, Duration.ofSeconds(1),
                "the winner announces the VIP again on meeting the other side");
        long steppedDown = System.nanoTime();
        Thread.sleep(2000);
        // Two announcing nodes flap the clients' ARP entry between them. (It was master on its
        // side of the partition and announced there; nothing once it stepped down.)
        assertThat(a.vips().announcedAt).as("announcements by the loser after it stepped down")
                .noneMatch(t -> t > steppedDown);
    }

    @Test
    void aMasterBackFromAStallLetsTheNewMasterServeWhileItCatchesUpThenPreempts() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        Started a = node("a", p1, List.of(p1, p2), 150, "a-long-shared-secret", advert);
        Started b = node("b", p2, List.of(p1, p2), 100, "a-long-shared-secret", advert);
        await(() -> a.node().status().state() == HaState.MASTER && b.node().status().state() == HaState.BACKUP
                && !a.vips().announcedAt.isEmpty(), Duration.ofSeconds(10), "elected, and a announced the VIP");
        long stalledAt = System.nanoTime();
        a.node().stallForTest(Duration.ofSeconds(2));
        await(() -> b.node().status().state() == HaState.MASTER, Duration.ofSeconds(2), "b takes over from the stalled a");
        long resumed = stalledAt + Duration.ofSeconds(2).toNanos();
        await(() -> a.node().status().state() == HaState.MASTER && b.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "a preempts again");
        await(() -> a.vips().announcedAt.stream().anyMatch(t -> t > stalledAt), Duration.ofSeconds(2), "a announces");
        // Announcing at once would pull the clients to a node still working off the stall's backlog.
        long firstAfter = a.vips().announcedAt.stream().filter(t -> t > stalledAt).findFirst().orElseThrow();
        assertThat(TimeUnit.NANOSECONDS.toMillis(firstAfter - resumed))
                .as("ms from the end of the stall to the stalled master's next announcement")
                .isGreaterThanOrEqualTo(advert.toMillis());
        await(() -> a.vips().holding && !b.vips().holding, Duration.ofSeconds(2), "one VIP holder");
    }

    @Test
    void aNodeWithTheWrongSecretCannotJoinNorMoveTheVip() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        Duration advert = Duration.ofMillis(300);
        Started good = node("good", p1, List.of(p1, p2), 100, "the-right-shared-secret", advert);
        await(() -> good.node().status().state() == HaState.MASTER, Duration.ofSeconds(5), "alone: master");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        ch.qos.logback.classic.Logger foreign = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(org.l4lb.ha.instance.ForeignTraffic.class);
        foreign.addAppender(log);
        try {
            Started intruder = node("intruder", p2, List.of(p1, p2), 254, "a-wrong-shared-secret", advert);
            Thread.sleep(3000);
            assertThat(good.node().status().viewSize()).isEqualTo(1);
            assertThat(good.node().status().state()).isEqualTo(HaState.MASTER);
            assertThat(good.vips().holding).isTrue();
            assertThat(intruder.node().status().viewSize()).isEqualTo(1);
            // It hears its peer and cannot read it: it claims nothing rather than split the brain.
            assertThat(intruder.node().status().state()).isEqualTo(HaState.FAULT);
            assertThat(intruder.node().status().lastReason()).contains("good", "cannot unseal");
            assertThat(intruder.vips().holding).isFalse();
            // Each side said so once (the rate limit holds the rest back), naming the other.
            List<String> lines = log.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            assertThat(lines).filteredOn(l -> l.contains("from intruder")).hasSize(1);
            assertThat(lines).filteredOn(l -> l.contains("from good")).hasSize(1);
        } finally {
            foreign.detachAppender(log);
        }
    }

    /**
     * A node with the wrong secret that keeps running beside a pair must not stop its failover:
     * the backup has met its master, so it knows the stranger is the odd one and takes over.
     */
    @Test
    void aStrangerBesideThePairDoesNotHoldUpItsFailover() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int p3 = freePort();
        Duration advert = Duration.ofMillis(300);
        Started backup = node("backup", p1, List.of(p1, p2), 100, "the-right-shared-secret", advert);
        Started master = node("master", p2, List.of(p1, p2), 200, "the-right-shared-secret", advert);
        await(() -> master.node().status().state() == HaState.MASTER && backup.node().status().state() == HaState.BACKUP,
                Duration.ofSeconds(10), "elected");
        Started intruder = node("intruder", p3, List.of(p1, p2, p3), 254, "a-wrong-shared-secret", advert);
        await(() -> intruder.node().status().state() == HaState.FAULT, Duration.ofSeconds(5), "the intruder in FAULT");
        master.node().close();
        nodes.remove(master.node());
        await(() -> backup.node().status().state() == HaState.MASTER && backup.vips().holding, Duration.ofSeconds(1),
                "the backup takes over and holds the VIP");
        Thread.sleep(1000);
        assertThat(intruder.node().status().state()).isEqualTo(HaState.FAULT);
        assertThat(intruder.vips().holding).isFalse();
    }

    private static JChannel channel(HaNode n) {
        return n.channelForTest();
    }
}
