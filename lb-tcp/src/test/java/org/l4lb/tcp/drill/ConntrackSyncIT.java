package org.l4lb.tcp.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.l4lb.drillkit.DrillEcho;
import org.l4lb.drillkit.DrillSessions;

/**
 * Flows that outlive the master: two nodes forward a service in the kernel (nat = destination, the
 * servers routed through a gateway VIP, as LVS NAT), conntrackd copies the flows, and the master
 * dies as a machine does (its links cut, its process SIGKILLed). Twenty long-lived connections,
 * each echoing random data every 50 ms, must go on through the new master with no byte lost.
 * Front 10.99.11.0/24 (client, VIP .100), back 10.99.12.0/24 (servers, gateway VIP .1).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConntrackSyncIT {

    private static final String PREFIX = "l4c" + Integer.toString(ThreadLocalRandom.current().nextInt(46656), 36);
    private static final String VIP = "10.99.11.100";
    /**
     * How long a session waits for an answer: the backup takes over after 3 missed adverts (3 s),
     * and a client's retransmissions back off (0.2, 0.6, 1.4, 3, 6.2 s after the loss), so its
     * flow resumes at the first retransmission after that, about 6 s after the crash.
     */
    private static final String ANSWER_MS = "15000";
    private static final List<String> namespaces = new ArrayList<>();
    private static final List<Process> backends = new ArrayList<>();
    private static Path dir;
    private static DrillNode lb1;
    private static DrillNode lb2;

    private static String ns(String host) {
        return PREFIX + host;
    }

    @BeforeAll
    static void setUp() throws Exception {
        DrillKit.gate("conntrack sync drill", "nft", "conntrack", "conntrackd");
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "l4lb-ctsync");
        for (String sw : List.of("front", "back")) {
            add(ns(sw));
            Sh.must("ip", "-n", ns(sw), "link", "add", "br0", "type", "bridge");
            Sh.must("ip", "-n", ns(sw), "link", "set", "br0", "up");
        }
        add(ns("cl"));
        link("front", "cl", "eth0", "10.99.11.31");
        for (String lb : List.of("lb1", "lb2")) {
            add(ns(lb));
            String n = lb.equals("lb1") ? "11" : "12";
            link("front", lb, "eth0", "10.99.11." + n);
            link("back", lb, "eth1", "10.99.12." + n);
            Sh.must("ip", "netns", "exec", ns(lb), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }
        for (String be : List.of("be1", "be2")) {
            add(ns(be));
            link("back", be, "eth0", be.equals("be1") ? "10.99.12.21" : "10.99.12.22");
            // The servers answer through the gateway VIP, which moves with the master (LVS NAT).
            Sh.must("ip", "-n", ns(be), "route", "add", "default", "via", "10.99.12.1");
            Path out = dir.resolve(be + ".out");
            backends.add(new ProcessBuilder(DrillKit.inNamespace(ns(be), DrillEcho.class, "8081"))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start());
            await(() -> Files.exists(out) && Files.readString(out).contains("ready"), 30_000, be + " started");
        }
        lb1 = new DrillNode(ns("lb1"), ns("lb1"), dir, config(ns("lb1"), "10.99.11.11", "10.99.11.12", 150));
        lb2 = new DrillNode(ns("lb2"), ns("lb2"), dir, config(ns("lb2"), "10.99.11.12", "10.99.11.11", 100));
        lb1.pin("0");
        lb2.pin("1");
        lb1.start();
        await(() -> lb1.log().contains("-> MASTER"), 30_000, "lb1 master");
        lb2.start();
        await(() -> lb2.log().contains("-> BACKUP") && lb2.log().contains("conntrack sync: conntrackd"), 30_000,
                "lb2 backup with its conntrackd");
    }

    private static String config(String name, String address, String peer, int priority) {
        return """
                node-name = %s
                shutdown-timeout = 2s
                services.echo {
                  listen = ["%s:7000"]
                  forwarding = kernel
                  nat = destination
                  servers = ["10.99.12.21:8081", "10.99.12.22:8081"]
                  health-check { interval = 500ms, timeout = 300ms }
                }
                ha {
                  enabled = true
                  priority = %d
                  virtual-ips = ["%s/24", "10.99.12.1/24"]
                  bind = "%s:7800"
                  peers = ["%s:7800"]
                  secret = "drill-secret-0123456789"
                  warm-up-connections = 0
                  conntrack-sync { enabled = true }
                }
                """.formatted(name, VIP, priority, VIP, address, peer);
    }

    private static void add(String name) {
        Sh.must("ip", "netns", "add", name);
        namespaces.add(name);
        Sh.must("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static void link(String sw, String host, String dev, String address) {
        String port = "v-" + host + "-" + dev;
        Sh.must("ip", "-n", ns(sw), "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns(host));
        Sh.must("ip", "-n", ns(sw), "link", "set", port, "master", "br0", "up");
        Sh.must("ip", "-n", ns(host), "addr", "add", address + "/24", "dev", dev);
        Sh.must("ip", "-n", ns(host), "link", "set", dev, "up");
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (DrillNode n : new DrillNode[] {lb1, lb2}) {
            if (n != null) {
                n.kill();
                endConntrackd(n.name);
            }
        }
        backends.forEach(Process::destroyForcibly);
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            Sh.run("ip", "netns", "del", namespaces.get(i));
        }
    }

    /** The conntrackd a SIGKILLed node left running, by the pid it wrote. */
    private static void endConntrackd(String node) throws Exception {
        Path pid = Path.of(System.getProperty("java.io.tmpdir"), "l4lb-" + node, "conntrackd.pid");
        if (Files.exists(pid)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check c, long ms, String what) throws Exception {
        long deadline = System.currentTimeMillis() + ms;
        while (!c.holds()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what + "\nlb1:\n" + (lb1 == null ? "" : lb1.log())
                        + "\nlb2:\n" + (lb2 == null ? "" : lb2.log()));
            }
            Thread.sleep(100);
        }
    }

    private static long flowsOn(String lb) {
        return Sh.run("ip", "netns", "exec", ns(lb), "conntrack", "-L", "-p", "tcp", "--orig-dst", VIP, "--orig-port-dst", "7000",
                "--state", "ESTABLISHED").out().lines().filter(l -> l.startsWith("tcp")).count();
    }

    /** What lb2's per-server counters saw go to the servers: IP bytes, headers included. */
    private static long bytesForwarded(String lb) {
        long sum = 0;
        for (String line : Sh.run("ip", "netns", "exec", ns(lb), "nft", "list", "chain", "ip", "l4lb", "count").out().split("\n")) {
            if (line.contains("comment \"count echo/") && line.trim().endsWith(">\"")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes (\\d+)").matcher(line);
                if (m.find()) {
                    sum += Long.parseLong(m.group(1));
                }
            }
        }
        return sum;
    }

    /** 20 sessions from the client through the VIP, each for 20 s; its output file. */
    private static Process sessions(Path out) throws Exception {
        Process p = new ProcessBuilder(DrillKit.inNamespace(ns("cl"), DrillSessions.class, VIP, "7000", "20", "50",
                "20000", ANSWER_MS)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        await(() -> Files.readString(out).lines().filter(l -> l.contains(" CONNECTED ")).count() == 20, 10_000,
                "20 sessions connected");
        return p;
    }

    /** Each session ended OK, after more than {@code rounds} echoes checked byte for byte. */
    private static void allWentOn(Process sessions, Path out, DrillNode master, long rounds) throws Exception {
        if (!sessions.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("the sessions did not end");
        }
        List<String> results = Files.readString(out).lines().filter(l -> l.contains(" OK ") || l.contains(" FAIL ")).toList();
        assertThat(results).as("every session's result; new master:\n" + master.log()).hasSize(20);
        assertThat(results).as("no session broke; new master:\n" + master.log()).allMatch(l -> l.contains(" OK "));
        for (String r : results) {
            assertThat(Long.parseLong(r.trim().split(" ")[2])).as("rounds of %s", r).isGreaterThan(rounds);
        }
    }

    /** The copy of the flows {@code lb}'s conntrackd holds from its peer. */
    private static long copied(String lb) {
        return Sh.run("ip", "netns", "exec", ns(lb), "conntrackd", "-C",
                Path.of(System.getProperty("java.io.tmpdir"), "l4lb-" + ns(lb), "conntrackd.conf").toString(), "-e")
                .out().lines().filter(l -> l.contains("dport=7000")).count();
    }

    @Test
    @Order(1)
    void twentyFlowsGoOnThroughTheNewMasterWhenTheOldOneDies() throws Exception {
        Path out = dir.resolve("sessions.out");
        Process sessions = sessions(out);
        try {
            // Each flow's entry reaches the backup's copy (conntrackd sends what the kernel reports).
            await(() -> copied("lb2") >= 20, 10_000, "the 20 flows in lb2's copy");
            Thread.sleep(1000);
            assertThat(flowsOn("lb2")).as("lb2's kernel does not forward them yet").isZero();

            // The master dies as a machine does: its links go first, so no FIN or reset tells the
            // backup (it finds out from the missing adverts), then its process.
            Sh.must("ip", "-n", ns("lb1"), "link", "set", "eth0", "down");
            Sh.must("ip", "-n", ns("lb1"), "link", "set", "eth1", "down");
            lb1.kill();
            await(() -> lb2.log().contains("-> MASTER"), 15_000, "lb2 master");
            // Logged on the VIP thread once the commit is done, just before the VIPs are taken.
            await(() -> lb2.log().contains("conntrack sync: committed the peer's flows to the kernel"), 5_000, "lb2's commit");
            allWentOn(sessions, out, lb2, 150);
            assertThat(bytesForwarded("lb2")).as("bytes lb2 forwarded to the servers (it never did before the kill)")
                    .isGreaterThan(20L * 50 * 60);
        } finally {
            sessions.destroyForcibly();
        }
    }

    @Test
    @Order(2)
    void theyGoOnWhenTheRebootedMasterTakesItsVipsBack() throws Exception {
        // lb1 comes back with nothing of its past life in its kernel, as after a reboot; only the
        // conntrackd its killed process left still runs, and its start must end that one.
        Sh.must("ip", "netns", "exec", ns("lb1"), "nft", "flush", "ruleset");
        Sh.run("ip", "netns", "exec", ns("lb1"), "conntrack", "-F");
        Sh.must("ip", "-n", ns("lb1"), "addr", "flush", "dev", "eth0");
        Sh.must("ip", "-n", ns("lb1"), "addr", "flush", "dev", "eth1");
        Sh.must("ip", "-n", ns("lb1"), "addr", "add", "10.99.11.11/24", "dev", "eth0");
        Sh.must("ip", "-n", ns("lb1"), "addr", "add", "10.99.12.11/24", "dev", "eth1");
        Sh.must("ip", "-n", ns("lb1"), "link", "set", "eth0", "up");
        Sh.must("ip", "-n", ns("lb1"), "link", "set", "eth1", "up");
        Path out = dir.resolve("failback.out");
        Process sessions = sessions(out);
        try {
            long before = lb1.log().lines().filter(l -> l.contains("-> MASTER")).count();
            lb1.start();
            // It asks lb2 for the flows at its start, and preempts (priority 150) once it is in the group.
            await(() -> lb1.log().lines().filter(l -> l.contains("-> MASTER")).count() > before, 30_000, "lb1 master again");
            await(() -> lb1.log().lines().filter(l -> l.contains("committed the peer's flows")).count() == 2, 5_000,
                    "lb1's commit at its second start");
            assertThat(lb1.log()).contains("left by a previous run");
            allWentOn(sessions, out, lb1, 150);
            assertThat(bytesForwarded("lb1")).as("bytes lb1 forwarded after it took the VIPs back")
                    .isGreaterThan(20L * 50 * 60);
        } finally {
            sessions.destroyForcibly();
        }
    }
}
