package org.l4lb.tcp.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.l4lb.drillkit.DrillBackend;
import org.l4lb.drillkit.DrillEcho;
import org.l4lb.drillkit.DrillReusedPort;

/**
 * The failover drill on real kernels' VIPs: two lb-tcp nodes (priority 150 and 100, preempt,
 * advert-interval 1 s), two backends answering with the address of the LB node that connected to
 * them, and a client opening a new connection to the VIP every 20 ms, all in network namespaces on
 * one bridge. Each fault on the master reports the outage (last success before the fault to first
 * success after), the failed connections, the VIP holders after the heal, and the failback.
 *
 * <p>Planned VIP moves (graceful stop, failback) must fail no connection: neither a new one nor
 * one that was open when the VIP moved. A long-lived connection through an echo service, opened
 * before each move and checked byte for byte every 50 ms, must survive it on the node that
 * carried it (the flow handoff). The client's ARP entry is watched ({@code ip monitor neigh} in
 * its namespace) to time the moves.
 * Opt-in with L4LB_DRILLS=1 (CI sets it). Needs root, iproute2, arping, nft and stress-ng; skips
 * without them unless L4LB_REQUIRE_DRILLS=1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetnsDrillIT {

    private static Topology net;
    private static DrillNode lb1;
    private static DrillNode lb2;
    private static final List<Process> backends = new ArrayList<>();
    private static Path dir;
    private static final List<String> report = new ArrayList<>();
    /** The quiet runs' windows at the fault, by fault: what the same fault under load is held to. */
    private static final Map<String, Attempts.Window> quiet = new java.util.HashMap<>();
    private static final int ECHO_PORT = 7000;
    /** Below the ephemeral range, so no other connection of the client takes it meanwhile. */
    private static final int REUSED_PORT = 21000;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue("1".equals(System.getenv("L4LB_DRILLS")),
                "netns drill is opt-in: L4LB_DRILLS=1 (needs root and network namespaces)");
        String missing = missingPrerequisite();
        if (missing != null) {
            if ("1".equals(System.getenv("L4LB_REQUIRE_DRILLS"))) {
                throw new IllegalStateException("the netns drill is required here (L4LB_REQUIRE_DRILLS=1) but " + missing);
            }
            Assumptions.abort("netns drill skipped: " + missing);
        }
        // Under target/: the logs of every node stay for a look after a failed drill, and go with mvn clean.
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "l4lb-drill");
        net = new Topology();
        net.create();
        List<Path> outs = new ArrayList<>();
        for (String be : List.of("be1", "be2")) {
            Path out = dir.resolve(be + ".out");
            outs.add(out);
            backends.add(new ProcessBuilder(DrillKit.inNamespace(net.ns(be), DrillBackend.class, "8080"))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start());
            Path echo = dir.resolve(be + "-echo.out");
            outs.add(echo);
            backends.add(new ProcessBuilder(DrillKit.inNamespace(net.ns(be), DrillEcho.class, "8081"))
                    .redirectErrorStream(true).redirectOutput(echo.toFile()).start());
        }
        for (Path out : outs) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (!(Files.exists(out) && Files.readString(out).contains("ready"))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("drill backend did not start: " + Files.readString(out));
                }
                Thread.sleep(100);
            }
        }
        lb1 = new DrillNode("lb1", net.ns("lb1"), dir, config("lb1", "10.99.0.11", 150));
        lb2 = new DrillNode("lb2", net.ns("lb2"), dir, config("lb2", "10.99.0.12", 100));
        lb2.start();
        lb1.start();
    }

    private static String missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        for (String tool : List.of("ip", "arping", "nft", "stress-ng")) {
            if (Sh.run("sh", "-c", "command -v " + tool).code() != 0) {
                return tool + " is not installed";
            }
        }
        String probe = "l4lbprobe" + ProcessHandle.current().pid();
        if (Sh.run("ip", "netns", "add", probe).code() != 0) {
            return "cannot create network namespaces";
        }
        Sh.run("ip", "netns", "del", probe);
        return null;
    }

    private static String config(String name, String address, int priority) {
        return config(name, address, priority, List.of(Topology.VIP + "/24"));
    }

    private static String config(String name, String address, int priority, List<String> vips) {
        return config(name, address, priority, vips, "1s");
    }

    private static String config(String name, String address, int priority, List<String> vips, String advert) {
        return config(name, address, priority, vips, advert, "");
    }

    /** @param extraHa more keys of the ha block */
    private static String config(String name, String address, int priority, List<String> vips, String advert,
            String extraHa) {
        return """
                node-name = %s
                shutdown-timeout = 5s
                services.web {
                  listen = ["0.0.0.0:80"]
                  servers = ["10.99.0.21:8080", "10.99.0.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms }
                }
                services.echo {
                  listen = ["0.0.0.0:%d"]
                  servers = ["10.99.0.21:8081", "10.99.0.22:8081"]
                  health-check { interval = 500ms, timeout = 300ms }
                }
                ha {
                  enabled = true
                  priority = %d
                  advert-interval = %s
                  interface = eth0
                  virtual-ips = [%s]
                  bind = "%s:7800"
                  peers = ["10.99.0.11:7800", "10.99.0.12:7800"]
                  secret = "drill-secret-0123456789"
                  # As examples/common.conf: a node that cannot reach its servers (isolated, link
                  # down) must not win the VIP back before its health checks have them again.
                  track-services = [web, echo]
                  %s
                }
                """.formatted(name, ECHO_PORT, priority, advert,
                        String.join(", ", vips.stream().map(v -> "\"" + v + "\"").toList()), address, extraHa);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lb1 != null) {
            lb1.kill();
            lb2.kill();
        }
        for (Process p : backends) {
            p.destroyForcibly();
        }
        if (net != null) {
            net.close();
        }
        if (!report.isEmpty()) {
            String table = "| fault | outage ms | failed | VIP holders after heal | failback ms | failed in failback |\n"
                    + "|---|---|---|---|---|---|\n" + String.join("\n", report) + "\n";
            System.out.println(table);
            Files.writeString(Path.of("target/drill-report.md"), table);
        }
    }

    private static void await(BooleanSupplier c, long ms, String what) throws Exception {
        long deadline = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what + "\nlb1:\n" + tail(lb1) + "\nlb2:\n" + tail(lb2));
            }
            Thread.sleep(50);
        }
    }

    private static boolean awaitQuietly(BooleanSupplier c, long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!c.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static String tail(DrillNode n) {
        try {
            List<String> lines = n.log().lines().filter(l -> !l.contains(" access: ")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Both nodes up, lb1 the only VIP holder, and the client served. */
    private static void steady() throws Exception {
        if (!lb1.alive()) {
            lb1.start();
        }
        if (!lb2.alive()) {
            lb2.start();
        }
        // Alone for 2 s on end: two nodes started together can each be master for a moment first.
        long alone = System.currentTimeMillis();
        long deadline = alone + 30_000;
        while (System.currentTimeMillis() - alone < 2000) {
            if (!(net.announcesVip("lb1") && !net.holdsVip("lb2"))) {
                alone = System.currentTimeMillis();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("lb1 did not hold the VIP alone for 2 s\nlb1:\n" + tail(lb1) + "\nlb2:\n" + tail(lb2));
            }
            Thread.sleep(50);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * What one drill saw: the windows around the fault and the heal, the client's ARP flips and
     * the long-lived connections.
     *
     * @param acrossFault a long-lived connection opened a second before the fault
     * @param acrossFailback one opened through the other node before the heal, open while the VIP moves back
     */
    private record Run(Attempts.Window out, Attempts.Window back, List<Attempts.Attempt> attempts,
            List<NeighbourWatch.Flip> flips, long faultAt, long healAt, SessionRun.Result acrossFault,
            SessionRun.Result acrossFailback) {

        List<Long> flipTimes(long from, long to) {
            return flips.stream().map(NeighbourWatch.Flip::at).filter(t -> t >= from && t <= to).toList();
        }
    }

    /**
     * Runs the client from 2.5 s before the fault to 3 s after lb1 holds the VIP again, at least
     * until 10.5 s after the fault; the heal comes 5 s after the fault. After the heal, the
     * VIP must move back with one flip of the client's ARP entry, within 1 s, failing no
     * connection, and the long-lived connection opened through the other node before the heal
     * must go on through that node until it ends, 8 s after it began.
     */
    private static Run drill(String label, Step fault, Step heal) throws Exception {
        return drill(label, fault, heal, false);
    }

    /** @param busy with every core saturated by a CPU hog from before the fault to after the heal */
    private static Run drill(String label, Step fault, Step heal, boolean busy) throws Exception {
        steady();
        CpuHog hog = busy ? CpuHog.start(dir, 20) : null;
        NeighbourWatch arp = NeighbourWatch.start(net.ns("cl"), Topology.VIP, dir);
        SessionRun acrossFault = SessionRun.start(net.ns("cl"), dir, Topology.VIP, ECHO_PORT, 4000);
        ClientRun client = ClientRun.start(net.ns("cl"), dir, Topology.VIP, 60_000);
        ClientRun.awaitFirstAttempt();
        acrossFault.awaitConnected(10_000);
        Thread.sleep(1000);
        long faultAt = System.currentTimeMillis();
        fault.run();
        Thread.sleep(3500);
        SessionRun acrossFailback = SessionRun.start(net.ns("cl"), dir, Topology.VIP, ECHO_PORT, 8000);
        Thread.sleep(Math.max(0, faultAt + 5000 - System.currentTimeMillis()));
        long healAt = System.currentTimeMillis();
        heal.run();
        // A node restarted on a busy machine takes longer to come back: the client goes on until
        // lb1 has had the VIP back for 3 s, so that the failback is judged whenever it happens.
        awaitQuietly(() -> net.announcesVip("lb1") && !net.announcesVip("lb2"), 30_000);
        Thread.sleep(Math.max(3000, faultAt + 10_500 - System.currentTimeMillis()));
        client.stop();
        List<Attempts.Attempt> attempts = client.finish();
        SessionRun.Result longOut = acrossFault.finish(10_000);
        SessionRun.Result longBack = acrossFailback.finish(15_000);
        if (hog != null) {
            hog.close();
        }
        arp.close();
        List<NeighbourWatch.Flip> flips = arp.flips(Map.of(net.mac("lb1"), "lb1", net.mac("lb2"), "lb2"));
        assertThat(attempts).as("client attempts").hasSizeGreaterThan(100);
        Run run = new Run(Attempts.window(attempts, faultAt, healAt), Attempts.window(attempts, healAt, Long.MAX_VALUE),
                attempts, flips, faultAt, healAt, longOut, longBack);
        // A node handing off keeps the VIP without answering ARP for it: it holds it for nobody.
        boolean oneHolder = awaitQuietly(() -> net.announcesVip("lb1") ^ net.announcesVip("lb2"), 10_000);
        int holders = (net.announcesVip("lb1") ? 1 : 0) + (net.announcesVip("lb2") ? 1 : 0);
        // Its connections have ended: the handoff must end too.
        boolean handoffEnded = awaitQuietly(() -> !net.holdsVip("lb2"), 10_000);
        if (!handoffEnded) {
            // Which of lb2's sessions is still open, and in what TCP state: a socket in CLOSE-WAIT
            // got its FIN and lb2 did not act on it; one still ESTABLISHED never got it.
            System.out.println("  lb2's TCP sockets while it still holds the VIP:\n"
                    + Sh.run("ip", "netns", "exec", net.ns("lb2"), "ss", "-tanoi").out());
            System.out.println("  lb1's conntrack for the VIP:\n"
                    + Sh.run("ip", "netns", "exec", net.ns("lb1"), "conntrack", "-L", "-d", Topology.VIP).out());
        }
        Attempts.Window out = run.out();
        Attempts.Window back = run.back();
        if (!busy) {
            quiet.put(label, out);
        }
        report.add("| " + label + " | " + out.outageMs() + " | " + out.failed() + " | " + holders + " | "
                + back.outageMs() + " | " + back.failed() + " |");
        System.out.println("drill " + label + ": outage " + out.outageMs() + " ms, failed " + out.failed()
                + ", served before " + out.servedBefore() + "; failback " + back.outageMs() + " ms, failed "
                + back.failed() + ", served after " + back.servedAfter() + "; in the second before the fault "
                + Attempts.failedIn(attempts, faultAt - 1000, faultAt - 1).size() + " failed, slowest "
                + Attempts.slowest(attempts, faultAt - 1000, faultAt - 1) + " ms");
        for (NeighbourWatch.Flip f : flips) {
            System.out.println("  client's ARP entry for the VIP -> " + f.to() + " at fault+" + (f.at() - faultAt) + " ms");
        }
        System.out.println("  long-lived connection across the fault: " + longOut.text() + " (connected at fault"
                + (longOut.connectedAt() - faultAt) + " ms" + (longOut.ok() ? "" : ", broke at fault+" + (longOut.brokeAt() - faultAt)) + ")");
        System.out.println("  long-lived connection across the failback: " + longBack.text() + " (connected at fault+"
                + (longBack.connectedAt() - faultAt) + " ms" + (longBack.ok() ? "" : ", broke at fault+" + (longBack.brokeAt() - faultAt)) + ")");
        List<Attempts.Attempt> failedAtFault = Attempts.failedIn(attempts, faultAt, healAt);
        for (Attempts.Attempt a : failedAtFault.size() <= 20 ? failedAtFault : List.<Attempts.Attempt>of()) {
            System.out.println("  failed at the fault: fault+" + (a.at() - faultAt) + " to +" + (a.end() - faultAt) + " ms "
                    + a.detail());
        }
        for (Attempts.Attempt a : attempts) {
            if (!a.ok() && a.at() >= healAt) {
                System.out.println("  failed in failback: fault+" + (a.at() - faultAt) + " to +" + (a.end() - faultAt)
                        + " ms " + a.detail());
            }
        }
        for (DrillNode n : List.of(lb1, lb2)) {
            // What each node did from the fault on: the story behind any failed connection.
            String since = java.time.Instant.ofEpochMilli(faultAt).toString().substring(11, 19);
            n.log().lines().filter(l -> l.length() > 19 && l.substring(11, 19).compareTo(since) >= 0)
                    .filter(l -> !l.contains(" access: "))
                    .filter(l -> l.contains("HA:") || l.contains("VIP") || l.contains("down") || l.contains(" up"))
                    .forEach(l -> System.out.println("  " + n.name + " " + l));
        }
        assertThat(oneHolder).as("exactly one node holds the VIP (answers ARP for it) after the heal").isTrue();
        assertThat(handoffEnded).as("lb2 gave the VIP up once its connections had ended").isTrue();
        // Without a success before the first failure the outage cannot be measured (it reads 0).
        assertThat(out.servedBefore()).as("the master serves before the fault").isEqualTo("10.99.0.11");
        assertThat(back.servedAfter()).as("the preempting node serves after the heal").isEqualTo("10.99.0.11");
        assertThat(run.flipTimes(healAt, Long.MAX_VALUE)).as("flips of the client's ARP entry after the heal")
                .hasSizeLessThanOrEqualTo(1);
        assertThat(Attempts.failedIn(attempts, healAt, Long.MAX_VALUE)).as("connections failed in the failback").isEmpty();
        assertThat(back.outageMs()).as("failback outage, ms").isLessThanOrEqualTo(1000);
        List<Long> flipBack = run.flipTimes(healAt, Long.MAX_VALUE);
        assertThat(run.acrossFailback().connectedAt()).as("the long-lived connection began before the VIP moved back")
                .isLessThan(flipBack.isEmpty() ? Long.MAX_VALUE : flipBack.get(0));
        assertThat(run.acrossFailback().ok()).as("a connection open while the VIP moved back goes on: " + run.acrossFailback().text())
                .isTrue();
        assertThat(run.acrossFailback().via()).as("the node that carried it, all along").isEqualTo("10.99.0.12");
        return run;
    }

    @Test
    @Order(1)
    void sigkill() throws Exception {
        boolean[] leftBehind = {false};
        Run w = drill("SIGKILL", () -> lb1.signal("KILL"), () -> {
            // A killed process cannot remove its VIP; the next life must.
            leftBehind[0] = net.holdsVip("lb1");
            lb1.start();
        });
        assertThat(w.out().outageMs()).as("SIGKILL outage").isLessThanOrEqualTo(500);
        assertThat(leftBehind[0]).as("the killed node left its VIP behind").isTrue();
        assertThat(lb1.log()).contains("VIP 10.99.0.100/24 removed from eth0").contains("HA: node 10.99.0.11:7800 joined");
    }

    @Test
    @Order(2)
    void gracefulStop() throws Exception {
        Run w = drill("SIGTERM", () -> lb1.signal("TERM"), () -> {
            lb1.awaitExit(15);
            lb1.start();
        });
        // The handover and the drain lose nothing, not even a connection open at the move (the
        // flow handoff); keepalived fails 31 here.
        assertThat(w.flipTimes(w.faultAt(), w.healAt())).as("flips of the client's ARP entry in a graceful stop").hasSize(1);
        assertThat(Attempts.failedIn(w.attempts(), w.faultAt(), w.healAt())).as("connections failed in a graceful stop").isEmpty();
        assertThat(w.acrossFault().ok()).as("a connection open at the graceful stop goes on: " + w.acrossFault().text()).isTrue();
        assertThat(w.acrossFault().via()).as("the stopping node carried it to its end").isEqualTo("10.99.0.11");
    }

    @Test
    @Order(3)
    void sigstop() throws Exception {
        Run w = drill("SIGSTOP", () -> lb1.signal("STOP"), () -> lb1.signal("CONT"));
        assertThat(w.out().outageMs()).as("SIGSTOP outage").isLessThanOrEqualTo(3500);
    }

    @Test
    @Order(4)
    void linkDown() throws Exception {
        Run w = drill("link down", () -> net.linkDown("lb1"), () -> net.linkUp("lb1"));
        assertThat(w.out().outageMs()).as("link-down outage").isLessThanOrEqualTo(3500);
    }

    @Test
    @Order(5)
    void isolate() throws Exception {
        Run w = drill("isolate", () -> net.isolate("lb1"), () -> net.reattach("lb1"));
        assertThat(w.out().outageMs()).as("isolate outage").isLessThanOrEqualTo(3500);
    }

    /*
     * The same faults with every core saturated by a CPU hog at the normal priority: the failover
     * must hold when the machine is busy. A SIGKILL is held to the quiet run (within 1.5x, give or
     * take two of the client's 20 ms steps). A fault noticed by silence ends 3 advert intervals
     * after the last advert heard, which came anywhere in the second before the fault, so one run
     * lasts 2 to 3 s by chance (quiet runs gave 2.02 to 2.92 s): those are held to the rule itself,
     * under keepalived's master-down interval at priority 100 (3 adverts + skew: 3.6 s).
     */

    @Test
    @Order(11)
    void sigkillUnderCpuLoad() throws Exception {
        Run w = drill("SIGKILL, CPU saturated", () -> lb1.signal("KILL"), lb1::start, true);
        assertWithinQuiet(w, "SIGKILL");
    }

    @Test
    @Order(12)
    void gracefulStopUnderCpuLoad() throws Exception {
        Run w = drill("SIGTERM, CPU saturated", () -> lb1.signal("TERM"), () -> {
            lb1.awaitExit(15);
            lb1.start();
        }, true);
        assertThat(Attempts.failedIn(w.attempts(), w.faultAt(), w.healAt())).as("connections failed in a graceful stop")
                .isEmpty();
        assertThat(w.acrossFault().ok()).as("a connection open at the graceful stop goes on: " + w.acrossFault().text()).isTrue();
    }

    @Test
    @Order(13)
    void sigstopUnderCpuLoad() throws Exception {
        Run w = drill("SIGSTOP, CPU saturated", () -> lb1.signal("STOP"), () -> lb1.signal("CONT"), true);
        assertThat(w.out().outageMs()).as("SIGSTOP outage").isLessThanOrEqualTo(3500);
    }

    @Test
    @Order(14)
    void isolateUnderCpuLoad() throws Exception {
        Run w = drill("isolate, CPU saturated", () -> net.isolate("lb1"), () -> net.reattach("lb1"), true);
        assertThat(w.out().outageMs()).as("isolate outage").isLessThanOrEqualTo(3500);
    }

    private static void assertWithinQuiet(Run busy, String fault) {
        Attempts.Window calm = quiet.get(fault);
        if (calm == null) {
            return; // the quiet drill did not run (a single drill picked by hand)
        }
        long step = 20;
        assertThat(busy.out().outageMs()).as(fault + " outage under load against " + calm.outageMs() + " ms quiet")
                .isLessThanOrEqualTo(calm.outageMs() * 3 / 2 + 2 * step);
        assertThat(busy.out().failed()).as(fault + " failed under load against " + calm.failed() + " quiet")
                .isLessThanOrEqualTo(calm.failed() * 3 / 2 + 2);
    }

    /**
     * A standby that never served takes over a master saturated with new connections: the new
     * connections per second in the 10 s after the failover against the 10 s before. Twice with
     * the warm-up the node runs before it joins (the default), judged on their mean: the client,
     * the servers and both nodes share two cores, and one pair of 10 s windows varies by about a
     * tenth from run to run (the seconds the drill prints show it) with no recompilation on the
     * new master's data path. Once without the warm-up, for the report.
     */
    @Test
    @Order(15)
    void aColdStandbyServesAsFastAsTheMasterItReplaces() throws Exception {
        double without = coldFailover("warm-up-connections = 0");
        double first = coldFailover("");
        double second = coldFailover("");
        double with = (first + second) / 2;
        System.out.printf("cold standby: new connections/s after the failover / before: %.2f with the warm-up (%.2f, %.2f),"
                + " %.2f without%n", with, first, second, without);
        report.add("| cold standby, new connections/s after / before | with warm-up %.2f | without %.2f | | | |"
                .formatted(with, without));
        assertThat(with).as("new connections/s in the 10 s after the failover / the 10 s before").isGreaterThanOrEqualTo(0.9);
        assertThat(with).as("the warm-up against none").isGreaterThan(without);
    }

    private static double coldFailover(String lb2Ha) throws Exception {
        steady();
        lb2.rewrite(config("lb2", "10.99.0.12", 100, List.of(Topology.VIP + "/24"), "1s", lb2Ha));
        int joins = count(lb2, "joined group");
        lb2.kill();
        lb2.start();
        await(() -> countQuietly(lb2, "joined group") > joins, 60_000, "lb2 rejoined");
        steady();
        Path out = dir.resolve("load-" + System.nanoTime() + ".out");
        Process load = new ProcessBuilder(DrillKit.inNamespace(net.ns("cl"), org.l4lb.drillkit.DrillLoad.class, Topology.VIP,
                "80", "8", "25000")).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Thread.sleep(12_000);
        long faultAt = System.currentTimeMillis();
        lb1.signal("KILL");
        assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("the load ended").isTrue();
        lb2.rewrite(config("lb2", "10.99.0.12", 100));
        long[][] buckets = Files.readAllLines(out).stream().filter(l -> l.matches("\\d+ \\d+ \\d+"))
                .map(l -> java.util.Arrays.stream(l.split(" ")).mapToLong(Long::parseLong).toArray()).toArray(long[][]::new);
        long before = 0;
        long after = 0;
        long servedAgain = -1;
        long firstSecond = 0;
        for (long[] b : buckets) {
            if (b[0] >= faultAt - 10_000 && b[0] + 100 <= faultAt) {
                before += b[1];
            }
            if (servedAgain < 0 && b[0] > faultAt && b[1] > 0) {
                servedAgain = b[0];
            }
            if (servedAgain >= 0 && b[0] >= servedAgain && b[0] < servedAgain + 10_000) {
                after += b[1];
            }
            if (servedAgain >= 0 && b[0] >= servedAgain && b[0] < servedAgain + 1000) {
                firstSecond += b[1];
            }
        }
        assertThat(servedAgain).as("served again after the failover").isPositive();
        System.out.println("cold standby (" + (lb2Ha.isEmpty() ? "warm-up" : lb2Ha) + "): " + before / 10 + " new connections/s"
                + " before the failover, " + after / 10 + " after (served again at fault+" + (servedAgain - faultAt) + " ms; "
                + firstSecond + " in the first second)");
        for (long[] b : buckets) {
            if (b[0] >= servedAgain && b[0] < servedAgain + 3000) {
                System.out.println("  fault+" + (b[0] - faultAt) + " ms: " + b[1] + " ok, " + b[2] + " failed");
            }
        }
        System.out.println("  per second from the start of the load: " + perSecond(buckets, faultAt));
        return before == 0 ? 0 : (double) after / before;
    }

    /** The successes per second of the whole load, with the second of the fault marked, to tell a ramp from a level. */
    private static String perSecond(long[][] buckets, long faultAt) {
        if (buckets.length == 0) {
            return "";
        }
        long start = buckets[0][0];
        java.util.TreeMap<Long, Long> seconds = new java.util.TreeMap<>();
        for (long[] b : buckets) {
            seconds.merge((b[0] - start) / 1000, b[1], Long::sum);
        }
        long faultSecond = (faultAt - start) / 1000;
        StringBuilder s = new StringBuilder();
        seconds.forEach((second, ok) -> s.append(second == faultSecond ? " |" : " ").append(ok));
        return s.toString().trim();
    }

    private static int countQuietly(DrillNode n, String text) {
        try {
            return count(n, text);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The flow handoff with a reused 4-tuple: lb1 ends a connection first (so it holds the
     * 4-tuple in TIME_WAIT), then, while lb2 holds the VIP, the client opens a connection from the
     * same source port through lb2 and keeps its side open. When lb1 takes the VIP back, that
     * connection's FIN must still reach lb2, which then ends the session and lets the VIP go,
     * rather than holding it until flow-handoff-timeout (60 s).
     */
    @Test
    @Order(6)
    void reusedPortAcrossFailback() throws Exception {
        steady();
        Path firstOut = dir.resolve("reused-first.out");
        Process first = reusedPort("now", firstOut);
        assertThat(first.waitFor(15, TimeUnit.SECONDS)).as("the first connection from port " + REUSED_PORT + " ended").isTrue();
        assertThat(Files.readString(firstOut)).contains("ANSWER 10.99.0.11", "CLOSED");
        assertThat(Sh.run("ip", "netns", "exec", net.ns("lb1"), "ss", "-t", "-n", "state", "time-wait", "src", Topology.VIP).out())
                .as("lb1 holds the first connection in TIME_WAIT").contains(":" + REUSED_PORT);

        lb1.signal("TERM");
        lb1.awaitExit(15);
        await(() -> net.announcesVip("lb2"), 10_000, "lb2 holds the VIP after lb1 stopped");
        Path secondOut = dir.resolve("reused-second.out");
        Process second = reusedPort("hold", secondOut);
        await(() -> read(secondOut).contains("ANSWER"), 15_000, "the second connection from port " + REUSED_PORT + " answered");
        assertThat(read(secondOut)).contains("ANSWER 10.99.0.12");

        lb1.start();
        await(() -> net.announcesVip("lb1") && net.handsOff("lb2"), 20_000, "lb1 took the VIP back and lb2 hands off");
        String lb1Mac = net.mac("lb1");
        await(() -> Sh.run("ip", "-n", net.ns("cl"), "neigh", "show", Topology.VIP).out().contains(lb1Mac), 10_000,
                "the client's ARP entry for the VIP points at lb1");
        second.getOutputStream().write('\n');
        second.getOutputStream().flush();
        assertThat(second.waitFor(10, TimeUnit.SECONDS)).as("the second connection closed").isTrue();
        boolean released = awaitQuietly(() -> !net.holdsVip("lb2"), 15_000);
        if (!released) {
            System.out.println("  lb2's TCP sockets while it still holds the VIP:\n"
                    + Sh.run("ip", "netns", "exec", net.ns("lb2"), "ss", "-tanoi").out() + "\nlb1:\n" + tail(lb1)
                    + "\nlb2:\n" + tail(lb2));
        }
        assertThat(released).as("lb2 let the VIP go once the client's FIN reached it through lb1").isTrue();
    }

    /**
     * An operator lowers the master's priority in its file and reloads it (SIGHUP), then raises it
     * again: each is a planned move, done by the same process, that fails no connection and
     * breaks none open at the move; then a VIP added by reload goes on the master only, and one
     * removed by reload goes away.
     */
    @Test
    @Order(7)
    void priorityAndVipsChangedByReload() throws Exception {
        steady();
        long pid = lb1.pid();
        int reloads = count(lb1, "reload done");
        Run w = drill("reload: priority", () -> {
            lb1.rewrite(config("lb1", "10.99.0.11", 50));
            lb1.signal("HUP");
        }, () -> {
            lb1.rewrite(config("lb1", "10.99.0.11", 150));
            lb1.signal("HUP");
        });
        assertThat(lb1.alive()).isTrue();
        assertThat(lb1.pid()).as("the same process all along").isEqualTo(pid);
        assertThat(count(lb1, "reload done")).isEqualTo(reloads + 2);
        assertThat(lb1.log()).contains("HA: priority 150 -> 50 (reload)").contains("HA: priority 50 -> 150 (reload)");
        assertThat(w.flipTimes(w.faultAt(), w.healAt())).as("flips of the client's ARP entry when lowered").hasSize(1);
        assertThat(Attempts.failedIn(w.attempts(), w.faultAt(), w.healAt())).as("connections failed when lowered").isEmpty();
        assertThat(w.acrossFault().ok()).as("a connection open at the move goes on: " + w.acrossFault().text()).isTrue();
        assertThat(w.acrossFault().via()).as("the node that was master carried it to its end").isEqualTo("10.99.0.11");

        String extra = "10.99.0.101";
        List<String> two = List.of(Topology.VIP + "/24", extra + "/24");
        lb2.rewrite(config("lb2", "10.99.0.12", 100, two));
        lb1.rewrite(config("lb1", "10.99.0.11", 150, two));
        lb2.signal("HUP");
        lb1.signal("HUP");
        await(() -> has(lb1, extra), 10_000, "lb1 (master) adds the VIP the reload brought");
        assertThat(has(lb2, extra)).as("the backup does not").isFalse();
        Sh.Result through = Sh.run("ip", "netns", "exec", net.ns("cl"), "timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/" + extra + "/80 && head -c 64 <&3");
        assertThat(through.code()).as("the client is served on the new VIP: " + through.out()).isZero();
        assertThat(through.out()).as("by lb1").contains("10.99.0.11");
        lb1.rewrite(config("lb1", "10.99.0.11", 150));
        lb2.rewrite(config("lb2", "10.99.0.12", 100));
        lb2.signal("HUP");
        lb1.signal("HUP");
        await(() -> !has(lb1, extra), 10_000, "lb1 removes the VIP the reload took away");
        assertThat(net.holdsVip("lb1")).as("and keeps the other").isTrue();

        // A slower advert interval, node after node (the backup first, as an operator would), and
        // back: nobody is taken for gone meanwhile, so nothing moves.
        int transitions = transitions(lb1) + transitions(lb2);
        List<String> one = List.of(Topology.VIP + "/24");
        for (String advert : List.of("3s", "1s")) {
            lb2.rewrite(config("lb2", "10.99.0.12", 100, one, advert));
            lb2.signal("HUP");
            Thread.sleep(4000);
            lb1.rewrite(config("lb1", "10.99.0.11", 150, one, advert));
            lb1.signal("HUP");
            Thread.sleep(4000);
        }
        assertThat(lb1.log()).contains("HA: advert interval 1000 -> 3000 ms (reload)").contains("HA: advert interval 3000 -> 1000 ms");
        assertThat(transitions(lb1) + transitions(lb2))
                .as("HA transitions while the advert interval changed node by node").isEqualTo(transitions);
        assertThat(net.announcesVip("lb1") && !net.holdsVip("lb2")).as("lb1 still the only VIP holder").isTrue();
    }

    /**
     * A third node joins with a mistyped secret and the highest priority, listing the pair as its
     * peers: it hears them and cannot unseal what they say, so it stays in FAULT and claims
     * nothing; lb1 keeps the VIP, the client sees no failed connection and no ARP flip, and each
     * side logs the other by name. With the stranger still there, the pair's failover works as
     * ever: lb2 has met lb1, so it knows lb3 is the odd one out.
     */
    @Test
    @Order(8)
    void aThirdNodeWithTheWrongSecretMovesNothing() throws Exception {
        steady();
        DrillNode lb3 = new DrillNode("lb3", net.ns("lb3"), dir, config("lb3", "10.99.0.13", 254, List.of(Topology.VIP + "/24"),
                "1s", "").replace("drill-secret-0123456789", "drill-secret-0123456780")
                .replace("peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\"]",
                        "peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\", \"10.99.0.13:7800\"]"));
        int transitions = transitions(lb1) + transitions(lb2);
        try {
            NeighbourWatch arp = NeighbourWatch.start(net.ns("cl"), Topology.VIP, dir);
            ClientRun client = ClientRun.start(net.ns("cl"), dir, Topology.VIP, 60_000);
            ClientRun.awaitFirstAttempt();
            long start = System.currentTimeMillis();
            try {
                lb3.start();
                await(() -> read(lb3.log).contains("HA: INIT -> FAULT"), 30_000, "lb3 goes to FAULT");
                // Several of its adverts' and its peers' merge attempts' worth: it has had every chance.
                Thread.sleep(8000);
            } finally {
                client.stop();
            }
            List<Attempts.Attempt> attempts = client.finish();
            arp.close();
            List<NeighbourWatch.Flip> flips = arp.flips(Map.of(net.mac("lb1"), "lb1", net.mac("lb2"), "lb2", net.mac("lb3"), "lb3"));
            System.out.println("drill wrong secret: " + attempts.size() + " attempts, "
                    + Attempts.failedIn(attempts, start, Long.MAX_VALUE).size() + " failed, " + flips.size() + " ARP flip(s)");
            assertThat(net.holdsVip("lb3")).as("lb3 holds the VIP").isFalse();
            assertThat(lb3.log()).as("lb3 says why").contains("cannot unseal").contains("lb1");
            assertThat(transitions(lb3)).as("lb3's transitions").isEqualTo(1);
            assertThat(attempts).as("client attempts").hasSizeGreaterThan(100);
            assertThat(Attempts.failedIn(attempts, 0, Long.MAX_VALUE)).as("connections failed").isEmpty();
            assertThat(flips.stream().filter(f -> f.at() >= start).toList()).as("flips of the client's ARP entry").isEmpty();
            assertThat(net.announcesVip("lb1") && !net.holdsVip("lb2")).as("lb1 still the only VIP holder").isTrue();
            assertThat(transitions(lb1) + transitions(lb2)).as("transitions of the pair").isEqualTo(transitions);
            assertThat(lb1.log()).as("lb1 names the stranger").contains("from lb3 (10.99.0.13:7800)");

            long killedAt = System.currentTimeMillis();
            lb1.kill();
            await(() -> net.announcesVip("lb2"), 3000, "lb2 takes over from a killed lb1 beside lb3");
            System.out.println("drill wrong secret: lb2 holds the VIP " + (System.currentTimeMillis() - killedAt)
                    + " ms after lb1 was killed beside lb3");
            assertThat(net.holdsVip("lb3")).as("lb3 holds the VIP").isFalse();
        } finally {
            lb3.kill();
        }
    }

    /**
     * keepalived's track_interface: both nodes track a second link (up0), taken on by a reload.
     * When lb1's loses its carrier, lb1 goes to FAULT at once, not after adverts are missed (it
     * still sends them), and lb2 takes the VIP; when the carrier is back, lb1 takes it back as in
     * every failback. Both moves are planned ones (lb1 still talks to lb2): no connection fails,
     * none open at a move breaks.
     */
    @Test
    @Order(9)
    void aTrackedLinkWithoutCarrierHandsTheVipOver() throws Exception {
        trackUplinks();
        Run w = drill("tracked link: no carrier", () -> net.uplinkCarrier("lb1", false), () -> net.uplinkCarrier("lb1", true));
        assertThat(lb1.log()).contains("HA: tracked interface up0 failing (down or no carrier)")
                .contains("HA: tracked interface up0 recovered");
        assertMovedWithoutLoss(w);
    }

    /** The same when the tracked link keeps its carrier and loses its address. */
    @Test
    @Order(10)
    void aTrackedLinkWithoutAddressHandsTheVipOver() throws Exception {
        trackUplinks();
        Run w = drill("tracked link: no address", () -> net.uplinkAddress("lb1", "10.99.5.11", false),
                () -> net.uplinkAddress("lb1", "10.99.5.11", true));
        assertThat(lb1.log()).contains("HA: tracked interface up0 failing (no address)");
        assertMovedWithoutLoss(w);
    }

    /** A node in FAULT for a tracked link can still talk to the other: the VIP moves as in a planned move. */
    private static void assertMovedWithoutLoss(Run w) {
        assertThat(w.flipTimes(w.faultAt(), w.healAt())).as("flips of the client's ARP entry at the fault").hasSize(1);
        assertThat(Attempts.failedIn(w.attempts(), w.faultAt(), w.healAt())).as("connections failed at the fault").isEmpty();
        assertThat(w.acrossFault().ok()).as("a connection open at the fault goes on: " + w.acrossFault().text()).isTrue();
        assertThat(w.acrossFault().via()).as("the node that was master carried it to its end").isEqualTo("10.99.0.11");
    }

    /** Both nodes track up0 from the next reload on (and in every later drill). */
    private static void trackUplinks() throws Exception {
        steady();
        String track = "track-interfaces = [up0]";
        if (read(lb1.config).contains(track)) {
            return;
        }
        int reloads = count(lb1, "reload done") + count(lb2, "reload done");
        List<String> vip = List.of(Topology.VIP + "/24");
        lb2.rewrite(config("lb2", "10.99.0.12", 100, vip, "1s", track));
        lb1.rewrite(config("lb1", "10.99.0.11", 150, vip, "1s", track));
        lb2.signal("HUP");
        lb1.signal("HUP");
        await(() -> {
            try {
                return count(lb1, "reload done") + count(lb2, "reload done") == reloads + 2;
            } catch (IOException e) {
                return false;
            }
        }, 10_000, "both nodes reloaded");
        assertThat(lb1.log()).contains("interfaces [up0]");
    }

    /**
     * Three nodes in one group, and sticky clients across a failover through the VIP: lb3 joins
     * the pair with the right secret and priority 120, 200 client addresses are bound by
     * persistence through lb1, and lb1 is killed. lb3, the next by priority, takes the VIP, and
     * at least 99 % of the clients reach the server they had through it (the bindings were
     * replicated). lb1 restarted takes the VIP back; lb2 stays backup all along.
     */
    @Test
    @Order(16)
    void threeNodesKeepStickyClientsAcrossAFailover() throws Exception {
        String threePeers = "peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\", \"10.99.0.13:7800\"]";
        List<String> vip = List.of(Topology.VIP + "/24");
        for (String host : List.of("lb1", "lb2", "lb3")) {
            // The clients' addresses are one hop away, behind cl.
            Sh.must("ip", "-n", net.ns(host), "route", "replace", "10.99.4.0/24", "via", "10.99.0.31");
        }
        for (int i = 1; i <= STICKY_CLIENTS; i++) {
            Sh.must("ip", "-n", net.ns("cl"), "addr", "add", "10.99.4." + i + "/32", "dev", "eth0");
        }
        List<Process> stickyBackends = new ArrayList<>();
        for (String be : List.of("be1", "be2")) {
            Path out = dir.resolve(be + "-sticky.out");
            stickyBackends.add(new ProcessBuilder(DrillKit.inNamespace(net.ns(be), DrillBackend.class, "8082", be))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start());
            await(() -> read(out).contains("ready"), 30_000, be + "'s sticky backend started");
        }
        DrillNode lb3 = new DrillNode("lb3-member", net.ns("lb3"), dir, sticky(config("lb3", "10.99.0.13", 120, vip, "1s", "")
                .replace("peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\"]", threePeers)));
        try {
            lb1.kill();
            lb2.kill();
            lb1.rewrite(sticky(config("lb1", "10.99.0.11", 150).replace("peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\"]",
                    threePeers)));
            lb2.rewrite(sticky(config("lb2", "10.99.0.12", 100).replace("peers = [\"10.99.0.11:7800\", \"10.99.0.12:7800\"]",
                    threePeers)));
            steady();
            lb3.start();
            await(() -> read(lb3.log).contains("-> BACKUP"), 60_000, "lb3 joins as backup");
            assertThat(net.announcesVip("lb1") && !net.holdsVip("lb2") && !net.holdsVip("lb3")).as("lb1 the only VIP holder")
                    .isTrue();

            Map<String, String> before = stickyRun();
            assertThat(before).as("clients served").hasSize(STICKY_CLIENTS);
            assertThat(before.values()).as("through lb1").allMatch(v -> v.endsWith(" via 10.99.0.11"));
            assertThat(before.values().stream().map(v -> v.split(" ")[0]).distinct().count()).as("over both servers")
                    .isEqualTo(2);
            await(() -> persistenceEntries("lb3") >= STICKY_CLIENTS, 10_000, "lb3 learned the bindings");

            long killedAt = System.currentTimeMillis();
            lb1.kill();
            await(() -> net.announcesVip("lb3"), 5_000, "lb3, the next by priority, takes over");
            System.out.println("drill three nodes: lb3 holds the VIP " + (System.currentTimeMillis() - killedAt)
                    + " ms after lb1 was killed");
            assertThat(net.holdsVip("lb2")).as("lb2 stays backup").isFalse();
            Map<String, String> after = stickyRun();
            int same = 0;
            for (Map.Entry<String, String> e : before.entrySet()) {
                String now = after.getOrDefault(e.getKey(), "");
                assertThat(now).as(e.getKey() + " served through lb3").endsWith(" via 10.99.0.13");
                if (now.split(" ")[0].equals(e.getValue().split(" ")[0])) {
                    same++;
                }
            }
            System.out.println("drill three nodes: " + same + " of " + STICKY_CLIENTS + " clients on the same server after the failover");
            assertThat(same).as("clients on the same server after the failover").isGreaterThanOrEqualTo(STICKY_CLIENTS * 99 / 100);

            lb1.start();
            await(() -> net.announcesVip("lb1") && !net.holdsVip("lb3") && !net.holdsVip("lb2"), 60_000,
                    "lb1 takes the VIP back from lb3");
        } finally {
            lb3.kill();
            stickyBackends.forEach(Process::destroyForcibly);
            lb1.rewrite(config("lb1", "10.99.0.11", 150));
            lb2.rewrite(config("lb2", "10.99.0.12", 100));
        }
    }

    private static final String VIP_B = "10.99.0.101";

    /**
     * Active/active: two instances, lb1 the preferred master of VIP a (the drill's VIP) and lb2 of
     * VIP b. Both serve their own; lb1 killed, lb2 serves both; lb1 back, it takes VIP a back (a
     * planned move with the flow handoff of instance a's tables alone) while lb2 keeps b. A client
     * on each VIP all along: none fails on b, and none on a but at the kill.
     */
    @Test
    @Order(17)
    void activeActiveEachVipHasItsOwnMaster() throws Exception {
        try {
            lb1.kill();
            lb2.kill();
            lb1.rewrite(activeActive("lb1", "10.99.0.11", 150, 100));
            lb2.rewrite(activeActive("lb2", "10.99.0.12", 100, 150));
            // A core each, as two machines would have: lb1 restarted (its JIT and warm-up) took
            // both cores from lb2 while lb2 served both VIPs, and replies stalled past 500 ms.
            lb1.pin("0");
            lb2.pin("1");
            lb2.start();
            lb1.start();
            String a = Topology.VIP;
            String tableA = "l4lb_handoff_a";
            String tableB = "l4lb_handoff_b";
            await(() -> net.announcesVip("lb1", a, tableA) && !net.holdsVip("lb2", a)
                    && net.announcesVip("lb2", VIP_B, tableB) && !net.holdsVip("lb1", VIP_B), 60_000,
                    "each node holds its own VIP alone");
            assertThat(status("lb1").replace(" ", "")).contains("\"instance\":\"a\"", "\"instance\":\"b\"");

            ClientRun onA = ClientRun.start(net.ns("cl"), dir, a, 60_000);
            // b's client at a fifth of a's rate: with two at 50 connections/s (a thread each) the
            // drill's own processes starved the two cores, and both clients started their
            // attempts over 100 ms late; the other drills run one.
            ClientRun onB = ClientRun.start(net.ns("cl"), dir, VIP_B, 60_000, 100);
            ClientRun.awaitFirstAttempt();
            Thread.sleep(1000);
            long killedAt = System.currentTimeMillis();
            lb1.kill();
            await(() -> net.announcesVip("lb2", a, tableA), 5_000, "lb2 takes VIP a too");
            long tookAt = System.currentTimeMillis();
            Thread.sleep(2000);
            SessionRun acrossFailback = SessionRun.start(net.ns("cl"), dir, a, ECHO_PORT, 8000);
            acrossFailback.awaitConnected(10_000);
            long healAt = System.currentTimeMillis();
            lb1.start();
            awaitQuietly(() -> net.announcesVip("lb1", a, tableA) && !net.announcesVip("lb2", a, tableA), 30_000);
            Thread.sleep(3000);
            onA.stop();
            onB.stop();
            List<Attempts.Attempt> attemptsA = onA.finish();
            List<Attempts.Attempt> attemptsB = onB.finish();
            SessionRun.Result longBack = acrossFailback.finish(15_000);
            boolean released = awaitQuietly(() -> !net.holdsVip("lb2", a), 15_000);
            Attempts.Window outA = Attempts.window(attemptsA, killedAt, healAt);
            Attempts.Window backA = Attempts.window(attemptsA, healAt, Long.MAX_VALUE);
            System.out.println("drill active/active: lb2 held VIP a " + (tookAt - killedAt) + " ms after lb1 was killed;"
                    + " on a: outage " + outA.outageMs() + " ms, failed " + outA.failed() + ", failback failed "
                    + backA.failed() + "; on b: failed " + Attempts.failedIn(attemptsB, 0, Long.MAX_VALUE).size() + " of "
                    + attemptsB.size() + "; across the failback: " + longBack.text());
            for (Attempts.Attempt f : Attempts.failedIn(attemptsB, 0, Long.MAX_VALUE)) {
                System.out.println("  failed on b: kill+" + (f.at() - killedAt) + " ms " + f.detail());
            }
            for (Attempts.Attempt f : Attempts.failedIn(attemptsA, healAt, Long.MAX_VALUE)) {
                System.out.println("  failed on a in the failback: heal+" + (f.at() - healAt) + " ms " + f.detail());
            }
            assertThat(attemptsA).as("attempts on a").hasSizeGreaterThan(100);
            assertThat(attemptsB).as("attempts on b").hasSizeGreaterThan(50);
            assertThat(outA.servedBefore()).as("a served by its master before the kill").isEqualTo("10.99.0.11");
            assertThat(Attempts.failedIn(attemptsB, 0, Long.MAX_VALUE)).as("failed on b, whose master lived").isEmpty();
            assertThat(attemptsB.stream().filter(Attempts.Attempt::ok).map(Attempts.Attempt::detail).distinct().toList())
                    .as("b served by lb2 alone").containsExactly("10.99.0.12");
            assertThat(Attempts.failedIn(attemptsA, healAt, Long.MAX_VALUE)).as("failed on a in the failback").isEmpty();
            assertThat(backA.servedAfter()).as("a served by lb1 again").isEqualTo("10.99.0.11");
            assertThat(longBack.ok()).as("a connection open on a while it moved back goes on: " + longBack.text()).isTrue();
            assertThat(longBack.via()).as("through lb2, all along").isEqualTo("10.99.0.12");
            assertThat(released).as("lb2 let VIP a go once its connections had ended").isTrue();
            assertThat(net.announcesVip("lb2", VIP_B, tableB) && !net.holdsVip("lb1", VIP_B)).as("lb2 kept b alone").isTrue();
        } finally {
            lb1.kill();
            lb2.kill();
            lb1.pin(null);
            lb2.pin(null);
            lb1.rewrite(config("lb1", "10.99.0.11", 150));
            lb2.rewrite(config("lb2", "10.99.0.12", 100));
        }
    }

    /**
     * A sync group (keepalived's vrrp_sync_group): lb1 master of both instances, which move
     * together; only a tracks lb1's second link. That link losing its carrier puts a in FAULT, and
     * b with it, so lb2 takes both VIPs; the carrier back, lb1 takes both back. Both moves are
     * planned ones: no connection to b fails.
     */
    @Test
    @Order(18)
    void aSyncGroupMovesItsInstancesTogether() throws Exception {
        try {
            lb1.kill();
            lb2.kill();
            String sync = "sync-groups { edge = [a, b] }";
            String trackA = "track-interfaces = [up0]";
            lb1.rewrite(activeActive("lb1", "10.99.0.11", 150, 150, sync, trackA));
            lb2.rewrite(activeActive("lb2", "10.99.0.12", 100, 100, sync, trackA));
            lb2.start();
            lb1.start();
            String a = Topology.VIP;
            String tableA = "l4lb_handoff_a";
            String tableB = "l4lb_handoff_b";
            BooleanSupplier lb1HoldsBoth = () -> net.announcesVip("lb1", a, tableA) && net.announcesVip("lb1", VIP_B, tableB)
                    && !net.holdsVip("lb2", a) && !net.holdsVip("lb2", VIP_B);
            await(lb1HoldsBoth, 60_000, "lb1 alone holds both VIPs");
            ClientRun onB = ClientRun.start(net.ns("cl"), dir, VIP_B, 60_000);
            ClientRun.awaitFirstAttempt();
            Thread.sleep(1000);
            long faultAt = System.currentTimeMillis();
            net.uplinkCarrier("lb1", false);
            await(() -> net.announcesVip("lb2", a, tableA) && net.announcesVip("lb2", VIP_B, tableB), 5_000,
                    "lb2 takes both VIPs: b moves with a");
            long movedAt = System.currentTimeMillis();
            Thread.sleep(2000);
            long healAt = System.currentTimeMillis();
            net.uplinkCarrier("lb1", true);
            await(lb1HoldsBoth, 30_000, "lb1 takes both VIPs back, and lb2 lets them go");
            Thread.sleep(1000);
            onB.stop();
            List<Attempts.Attempt> attempts = onB.finish();
            System.out.println("drill sync group: lb2 held both VIPs " + (movedAt - faultAt) + " ms after lb1's tracked link"
                    + " lost its carrier; on b " + Attempts.failedIn(attempts, 0, Long.MAX_VALUE).size() + " failed of "
                    + attempts.size());
            assertThat(lb1.log()).contains("tracked sync group edge: instance a: interface up0 failing");
            assertThat(attempts).as("attempts on b").hasSizeGreaterThan(100);
            assertThat(Attempts.failedIn(attempts, 0, Long.MAX_VALUE)).as("failed on b, moved twice as planned").isEmpty();
            assertThat(Attempts.window(attempts, 0, faultAt).servedAfter()).as("b through lb1 first").isEqualTo("10.99.0.11");
            assertThat(Attempts.window(attempts, movedAt, healAt).servedAfter()).as("b through lb2 while a is in FAULT")
                    .isEqualTo("10.99.0.12");
            assertThat(Attempts.window(attempts, healAt, Long.MAX_VALUE).servedAfter()).as("b through lb1 again")
                    .isEqualTo("10.99.0.11");
        } finally {
            net.uplinkCarrier("lb1", true);
            lb1.kill();
            lb2.kill();
            lb1.rewrite(config("lb1", "10.99.0.11", 150));
            lb2.rewrite(config("lb2", "10.99.0.12", 100));
        }
    }

    /** The drill's services with two instances: a (the drill's VIP) and b, each at its own priority. */
    private static String activeActive(String name, String address, int priorityA, int priorityB) {
        return activeActive(name, address, priorityA, priorityB, "", "");
    }

    /**
     * @param extraHa more keys of the ha block
     * @param extraA more keys of instance a
     */
    private static String activeActive(String name, String address, int priorityA, int priorityB, String extraHa,
            String extraA) {
        String single = config(name, address, priorityA);
        return single.substring(0, single.indexOf("ha {")) + """
                ha {
                  enabled = true
                  advert-interval = 1s
                  interface = eth0
                  secret = "drill-secret-0123456789"
                  track-services = [web, echo]
                  %s
                  instances {
                    a {
                      group = drill-a
                      %s
                      priority = %d
                      virtual-ips = ["%s/24"]
                      bind = "%s:7800"
                      peers = ["10.99.0.11:7800", "10.99.0.12:7800"]
                    }
                    b {
                      group = drill-b
                      priority = %d
                      virtual-ips = ["%s/24"]
                      bind = "%s:7801"
                      peers = ["10.99.0.11:7801", "10.99.0.12:7801"]
                    }
                  }
                }
                """.formatted(extraHa, extraA, priorityA, Topology.VIP, address, priorityB, VIP_B, address);
    }

    /** The node's /status, read inside its namespace. */
    private static String status(String host) {
        return Sh.run("ip", "netns", "exec", net.ns(host), "bash", "-c",
                "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /status HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3").out();
    }

    private static final int STICKY_CLIENTS = 200;

    /** The drill's config with a service whose clients persistence binds, over two named backends. */
    private static String sticky(String config) {
        return config.replace("services.echo {", """
                services.sticky {
                  listen = ["0.0.0.0:90"]
                  servers = ["10.99.0.21:8082", "10.99.0.22:8082"]
                  strategy = random-two
                  persistence-timeout = 10m
                  health-check { interval = 500ms, timeout = 300ms }
                }
                services.echo {""");
    }

    /** Each client address once through the VIP: what answered it ("be1 via 10.99.0.11"), by address. */
    private static Map<String, String> stickyRun() throws Exception {
        Path out = dir.resolve("sticky-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(DrillKit.inNamespace(net.ns("cl"), org.l4lb.drillkit.DrillStickyClients.class,
                Topology.VIP, "90", "10.99.4", Integer.toString(STICKY_CLIENTS))).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the sticky clients ended").isTrue();
        Map<String, String> served = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(out)) {
            int space = line.indexOf(' ');
            if (line.startsWith("10.99.4.") && !line.contains(" ERR ")) {
                served.put(line.substring(0, space), line.substring(space + 1));
            } else if (line.contains(" ERR ")) {
                System.out.println("  sticky client failed: " + line);
            }
        }
        return served;
    }

    /** The node's persistence table size, read from its /metrics inside its namespace. */
    private static int persistenceEntries(String host) {
        Sh.Result r = Sh.run("ip", "netns", "exec", net.ns(host), "bash", "-c",
                "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3");
        int n = 0;
        for (String line : r.out().split("\n")) {
            if (line.startsWith("l4lb_service_persistence_entries{") && line.contains("service=\"sticky\"")) {
                n = (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }

    private static final java.util.regex.Pattern TRANSITION = java.util.regex.Pattern.compile("HA: (INIT|BACKUP|MASTER|FAULT) -> ");

    /** How many HA state transitions {@code n} has logged. */
    private static int transitions(DrillNode n) throws IOException {
        return (int) n.log().lines().filter(l -> TRANSITION.matcher(l).find()).count();
    }

    private static int count(DrillNode n, String text) throws IOException {
        return (int) n.log().lines().filter(l -> l.contains(text)).count();
    }

    private static boolean has(DrillNode n, String address) {
        return Sh.run("ip", "netns", "exec", n.ns, "ip", "-o", "addr", "show").out().contains(" " + address + "/");
    }

    private static Process reusedPort(String mode, Path out) throws IOException {
        return new ProcessBuilder(DrillKit.inNamespace(net.ns("cl"), DrillReusedPort.class, Topology.VIP, "80",
                Integer.toString(REUSED_PORT), mode)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
