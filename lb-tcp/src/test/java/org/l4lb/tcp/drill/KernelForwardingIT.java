package org.l4lb.tcp.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.l4lb.drillkit.DrillBackend;
import org.l4lb.drillkit.DrillEcho;

/**
 * forwarding = kernel through real namespaces: a client, an LB node that routes (ip_forward = 1)
 * and two servers on one bridge (10.99.6.0/24). No process of ours is in the packets' path: the
 * node's nftables table sends each new flow to a server by weight, and its health checks, the
 * admin API and reloads change that table; a SIGKILL leaves it, a restart replaces it, a clean stop
 * removes it. Root and namespaces, like the netns drill: skipped without them unless
 * L4LB_REQUIRE_DRILLS=1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelForwardingIT {

    private static final String PREFIX = "l4k" + Integer.toString(ThreadLocalRandom.current().nextInt(46656), 36);
    private static final String NODE = "10.99.6.11";
    private static final String TOKEN = "kernel-it-token-4711";
    private static final String FAR = "10.99.7.31";
    private static final String DR_VIP = "10.99.6.100";
    private static final List<String> namespaces = new ArrayList<>();
    private static final Map<String, Process> backends = new TreeMap<>();
    private static Path dir;
    private static DrillNode lb;

    private static String ns(String host) {
        return PREFIX + host;
    }

    @BeforeAll
    static void setUp() throws Exception {
        DrillKit.gate("kernel forwarding drill", "nft", "conntrack");
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "l4lb-kernel");
        String sw = ns("sw");
        add(sw);
        Sh.must("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
        Sh.must("ip", "-n", sw, "link", "set", "br0", "up");
        host("lb", NODE);
        host("be1", "10.99.6.21");
        host("be2", "10.99.6.22");
        host("cl", "10.99.6.31");
        Sh.must("ip", "netns", "exec", ns("lb"), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        // A client one hop away (10.99.7.0/24, routed by the node), for nat = destination: the
        // servers answer it through the node, as LVS NAT's real servers do.
        add(ns("far"));
        Sh.must("ip", "-n", ns("lb"), "link", "add", "eth1", "type", "veth", "peer", "name", "eth0", "netns", ns("far"));
        Sh.must("ip", "-n", ns("lb"), "addr", "add", "10.99.7.1/24", "dev", "eth1");
        Sh.must("ip", "-n", ns("lb"), "link", "set", "eth1", "up");
        Sh.must("ip", "-n", ns("far"), "addr", "add", FAR + "/24", "dev", "eth0");
        Sh.must("ip", "-n", ns("far"), "link", "set", "eth0", "up");
        Sh.must("ip", "-n", ns("far"), "route", "add", "default", "via", "10.99.7.1");
        for (String be : List.of("be1", "be2")) {
            Sh.must("ip", "-n", ns(be), "route", "add", "10.99.7.0/24", "via", NODE);
        }
        // Twenty client addresses for ip-hash, one hop behind cl.
        for (int i = 1; i <= 20; i++) {
            Sh.must("ip", "-n", ns("cl"), "addr", "add", "10.99.8." + i + "/32", "dev", "eth0");
        }
        Sh.must("ip", "-n", ns("lb"), "route", "add", "10.99.8.0/24", "via", "10.99.6.31");
        // Direct server return: the node holds the VIP; the servers hold it on their loopback, answer
        // no ARP for it, and reply to the client themselves (LVS DR's real servers).
        Sh.must("ip", "-n", ns("lb"), "addr", "add", DR_VIP + "/32", "dev", "eth0");
        for (String be : List.of("be1", "be2")) {
            Sh.must("ip", "-n", ns(be), "addr", "add", DR_VIP + "/32", "dev", "lo");
            for (String conf : List.of("all", "eth0")) {
                Sh.must("ip", "netns", "exec", ns(be), "sysctl", "-qw", "net.ipv4.conf." + conf + ".arp_ignore=1",
                        "net.ipv4.conf." + conf + ".arp_announce=2");
            }
        }
        for (String be : List.of("be1", "be2")) {
            startBackend(be);
            startEcho(be);
        }
        lb = new DrillNode("lb", ns("lb"), dir, config(1, 3));
        lb.start();
        awaitTrue(() -> web().contains("10.99.6.22 . 8080"), 30_000, "the node installed its table");
    }

    private static void add(String name) {
        Sh.must("ip", "netns", "add", name);
        namespaces.add(name);
        Sh.must("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static void host(String host, String address) {
        add(ns(host));
        Sh.must("ip", "-n", ns("sw"), "link", "add", "v-" + host, "type", "veth", "peer", "name", "eth0", "netns", ns(host));
        Sh.must("ip", "-n", ns("sw"), "link", "set", "v-" + host, "master", "br0", "up");
        Sh.must("ip", "-n", ns(host), "addr", "add", address + "/24", "dev", "eth0");
        Sh.must("ip", "-n", ns(host), "link", "set", "eth0", "up");
    }

    private static void startBackend(String be) throws Exception {
        Path out = dir.resolve(be + ".out");
        Files.deleteIfExists(out);
        backends.put(be, new ProcessBuilder(DrillKit.inNamespace(ns(be), DrillBackend.class, "8080", be))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start());
        awaitTrue(() -> read(out).contains("ready"), 30_000, be + " started");
    }

    private static void startEcho(String be) throws Exception {
        Path out = dir.resolve(be + "-echo.out");
        backends.put(be + "-echo", new ProcessBuilder(DrillKit.inNamespace(ns(be), DrillEcho.class, "8081"))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start());
        awaitTrue(() -> read(out).contains("ready"), 30_000, be + "'s echo started");
    }

    private static String config(int w1, int w2) {
        return config(w1, w2, 2);
    }

    private static String config(int w1, int w2, int maxConnections) {
        return """
                node-name = lb
                admin.token = "%s"
                services.web {
                  listen = ["%s:80"]
                  forwarding = kernel
                  servers = [{ address = "10.99.6.21:8080", weight = %d }, { address = "10.99.6.22:8080", weight = %d }]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.direct {
                  listen = ["%s:81"]
                  forwarding = kernel
                  nat = destination
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.limited {
                  listen = ["%s:83", "%s:89"]
                  forwarding = kernel
                  max-connections = %d
                  servers = ["10.99.6.21:8081", "10.99.6.22:8081"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.perclient {
                  listen = ["%s:84"]
                  forwarding = kernel
                  max-connections-per-client = 1
                  servers = ["10.99.6.21:8081", "10.99.6.22:8081"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.hashed {
                  listen = ["0.0.0.0:82"]
                  forwarding = kernel
                  strategy = ip-hash
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.sticky {
                  listen = ["%s:85"]
                  forwarding = kernel
                  persistence-timeout = 5m
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.guarded {
                  listen = ["%s:86"]
                  forwarding = kernel
                  allow = ["10.99.8.0/24"]
                  deny = ["10.99.8.5"]
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.rand {
                  listen = ["%s:88"]
                  forwarding = kernel
                  strategy = random
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.dr {
                  listen = ["%s:8080"]
                  forwarding = kernel
                  nat = dsr
                  strategy = hash
                  hash-key = source-ip-port
                  servers = ["10.99.6.21:8080", "10.99.6.22:8080"]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                services.capped {
                  listen = ["%s:87"]
                  forwarding = kernel
                  servers = [{ address = "10.99.6.21:8081", max-conns = 1 }, { address = "10.99.6.22:8081", max-conns = 1 }]
                  health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                }
                """.formatted(TOKEN, NODE, w1, w2, NODE, NODE, NODE, maxConnections, NODE, NODE, NODE, NODE, DR_VIP, NODE);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lb != null) {
            lb.kill();
        }
        backends.values().forEach(Process::destroyForcibly);
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            Sh.run("ip", "netns", "del", namespaces.get(i));
        }
    }

    private static String table() {
        return Sh.run("ip", "netns", "exec", ns("lb"), "nft", "list", "table", "ip", "l4lb").out();
    }

    /** The web service's rule: the one the weights, drains and downs are checked on. */
    private static String web() {
        return table().lines().filter(l -> l.contains("comment \"web\"") && l.contains("dnat ip to")).findFirst().orElse("");
    }

    private static boolean hasTable() {
        return Sh.run("ip", "netns", "exec", ns("lb"), "nft", "list", "table", "ip", "l4lb").code() == 0;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (Exception e) {
            return "";
        }
    }

    /** A condition that may read files. */
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Check c, long ms, String what) throws Exception {
        long deadline = System.currentTimeMillis() + ms;
        while (!c.holds()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what + "\ntable:\n" + table() + "\nnode:\n"
                        + (lb == null ? "" : lb.log()));
            }
            Thread.sleep(100);
        }
    }

    /** {@code n} new connections from the client through the node, one after another: which server answered, and seen from where. */
    private static Map<String, Integer> served(int n) {
        return served("cl", 80, n);
    }

    private static Map<String, Integer> served(String client, int port, int n) {
        return served(client, NODE, port, n);
    }

    private static Map<String, Integer> served(String client, String address, int port, int n) {
        String out = Sh.run("ip", "netns", "exec", ns(client), "bash", "-c", "for i in $(seq " + n + "); do"
                + " (exec 3<>/dev/tcp/" + address + "/" + port + " && timeout 3 head -n 1 <&3) 2>/dev/null || echo FAILED; done").out();
        Map<String, Integer> count = new TreeMap<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                count.merge(line.trim(), 1, Integer::sum);
            }
        }
        return count;
    }

    /** One sample from the node's /metrics, read in its namespace; -1 when absent. */
    private static double metric(String series) {
        String out = Sh.run("ip", "netns", "exec", ns("lb"), "bash", "-c",
                "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3").out();
        for (String line : out.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }

    private static void admin(String query) {
        String r = Sh.run("ip", "netns", "exec", ns("lb"), "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'POST "
                + query + " HTTP/1.0\\r\\nAuthorization: Bearer " + TOKEN + "\\r\\n\\r\\n' >&3 && cat <&3").out();
        assertThat(r).as("admin API " + query).startsWith("HTTP/1.1 200");
    }

    @Test
    @Order(1)
    void newFlowsGoToTheServersByWeightWithNoProcessInThePath() throws Exception {
        // numgen inc over the weight ranges: exactly 1 in 4 to be1. Full NAT: the servers see the node.
        assertThat(served(40)).isEqualTo(Map.of("be1 via " + NODE, 10, "be2 via " + NODE, 30));
        // The kernel's counters become the servers' sessions and bytes in /metrics, as the proxy's are.
        awaitTrue(() -> metric("l4lb_server_sessions_total{server=\"10.99.6.21:8080\",service=\"web\"}") == 10
                && metric("l4lb_server_sessions_total{server=\"10.99.6.22:8080\",service=\"web\"}") == 30, 5_000,
                "the flows counted as sessions");
        assertThat(metric("l4lb_server_bytes_total{direction=\"to-client\",server=\"10.99.6.22:8080\",service=\"web\"}"))
                .as("bytes from be2 (IP packets: 30 flows' replies and handshakes)").isGreaterThan(30 * 20);
        // Packets each way: a flow's SYN, request, ACKs and FIN to the server; SYN-ACK, reply and FIN back.
        double toServer = metric("l4lb_server_packets_total{direction=\"to-server\",server=\"10.99.6.22:8080\",service=\"web\"}");
        double toClient = metric("l4lb_server_packets_total{direction=\"to-client\",server=\"10.99.6.22:8080\",service=\"web\"}");
        assertThat(toServer).as("packets to be2").isGreaterThanOrEqualTo(30 * 3);
        assertThat(toClient).as("packets from be2").isGreaterThanOrEqualTo(30 * 2);
        assertThat(metric("l4lb_server_bytes_total{direction=\"to-client\",server=\"10.99.6.22:8080\",service=\"web\"}"))
                .as("at least an IP and a TCP header per packet").isGreaterThanOrEqualTo(toClient * 40);
        assertThat(Sh.run("ip", "netns", "exec", ns("lb"), "ss", "-tln").out()).as("no listener of ours on :80")
                .doesNotContain(NODE + ":80");
    }

    @Test
    @Order(2)
    void destinationNatShowsTheServersTheClientAndIpHashKeepsEachClientOnItsServer() throws Exception {
        // nat = destination: the servers see the client's own address and answer it through the node.
        Map<String, Integer> direct = served("far", 81, 10);
        assertThat(direct).isEqualTo(Map.of("be1 via " + FAR, 5, "be2 via " + FAR, 5));

        // ip-hash: each of twenty client addresses reaches the same server every time, and both servers get some.
        Map<String, String> first = new TreeMap<>();
        for (int round = 0; round < 3; round++) {
            String out = Sh.run(DrillKit.inNamespace(ns("cl"), org.l4lb.drillkit.DrillStickyClients.class, NODE, "82",
                    "10.99.8", "20").toArray(String[]::new)).out();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length >= 2 && f[0].startsWith("10.99.8.")) {
                    String was = first.putIfAbsent(f[0], f[1]);
                    assertThat(was == null ? f[1] : was).as("server of " + f[0] + " in round " + round + ": " + line)
                            .isEqualTo(f[1]);
                }
            }
        }
        assertThat(first).as("each client answered").hasSize(20);
        assertThat(new java.util.HashSet<>(first.values())).as("over both servers").containsExactlyInAnyOrder("be1", "be2");

        // random: numgen random over the weight ranges; 40 flows reach both servers (all on one: 2^-39).
        Map<String, Integer> drawn = served("cl", 88, 40);
        assertThat(drawn).containsOnlyKeys("be1 via " + NODE, "be2 via " + NODE);
        assertThat(drawn.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
    }

    /**
     * From {@code client}: holds {@code held} connections to {@code port} open, then tries one more;
     * "HELD n" per held one that still echoes, and "MORE ok" or "MORE refused".
     */
    private static String holdAndTryOneMore(String client, int port, int held) {
        return holdAndTryOneMore(client, java.util.Collections.nCopies(held, port), port);
    }

    /** As above, the held connections to {@code heldPorts}, one each, and the one more to {@code port}. */
    private static String holdAndTryOneMore(String client, List<Integer> heldPorts, int port) {
        int held = heldPorts.size();
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < held; i++) {
            script.append("exec ").append(3 + i).append("<>/dev/tcp/").append(NODE).append("/").append(heldPorts.get(i)).append("; ");
        }
        script.append("( exec 9<>/dev/tcp/").append(NODE).append("/").append(port)
                .append(" && echo ping >&9 && timeout 3 head -n 1 <&9 >/dev/null ) 2>/dev/null && echo 'MORE ok' || echo 'MORE refused'; ");
        for (int i = 0; i < held; i++) {
            script.append("echo ping >&").append(3 + i).append(" && timeout 3 head -n 1 <&").append(3 + i)
                    .append(" >/dev/null && echo 'HELD ").append(i).append("'; ");
        }
        return Sh.run("ip", "netns", "exec", ns(client), "bash", "-c", script.toString()).out();
    }

    @Test
    @Order(3)
    void theLimitsRefuseWhatIsOverThemAndKeepWhatIsWithin() throws Exception {
        String whole = holdAndTryOneMore("cl", 83, 2);
        assertThat(whole).as("max-connections = 2").contains("HELD 0", "HELD 1", "MORE refused");
        assertThat(holdAndTryOneMore("cl", 83, 1)).as("room again once those closed").contains("HELD 0", "MORE ok");
        // The limit is the service's, whichever of its listen addresses the flows came through.
        assertThat(holdAndTryOneMore("cl", List.of(83, 89), 89)).as("max-connections = 2 over two listen addresses")
                .contains("HELD 0", "HELD 1", "MORE refused");
        // Six flows went through (two, two, and one on each address), the refused ones not: each
        // address has its counter rules, and a server's sessions are their sum.
        awaitTrue(() -> metric("l4lb_server_sessions_total{server=\"10.99.6.21:8081\",service=\"limited\"}")
                + metric("l4lb_server_sessions_total{server=\"10.99.6.22:8081\",service=\"limited\"}") == 6, 5_000,
                "the flows of both listen addresses counted");
        assertThat(holdAndTryOneMore("cl", 84, 1)).as("max-connections-per-client = 1").contains("HELD 0", "MORE refused");
        // Another client has its own allowance.
        String out = Sh.run("ip", "netns", "exec", ns("cl"), "bash", "-c", "exec 3<>/dev/tcp/" + NODE + "/84; "
                + "ip netns exec " + ns("far") + " bash -c '(exec 9<>/dev/tcp/" + NODE + "/84 && echo ping >&9 && timeout 3"
                + " head -n 1 <&9 >/dev/null) && echo FAR-ok || echo FAR-refused'").out();
        assertThat(out).as("a second client while the first holds its one").contains("FAR-ok");
        // A weight change swaps the choices alone: the limit's count of open flows stays.
        assertThat(lb.log()).doesNotContain("nft refused");
    }

    /** The server each client of 10.99.8.1 to .20 reached on {@code port}, one connection each. */
    private static Map<String, String> stickyRound(int port, int clients) {
        Map<String, String> servers = new TreeMap<>();
        String out = Sh.run(DrillKit.inNamespace(ns("cl"), org.l4lb.drillkit.DrillStickyClients.class, NODE,
                Integer.toString(port), "10.99.8", Integer.toString(clients)).toArray(String[]::new)).out();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ", 2);
            if (f.length == 2 && f[0].startsWith("10.99.8.")) {
                servers.put(f[0], f[1].startsWith("ERR") ? "ERR" : f[1].split(" ")[0]);
            }
        }
        return servers;
    }

    private static String rule(String service) {
        return table().lines().filter(l -> l.contains("comment \"" + service + "\"") && l.contains("dnat ip to numgen"))
                .findFirst().orElse("");
    }

    @Test
    @Order(4)
    void persistenceKeepsEachClientOnItsServerThroughAReloadAndMovesOnlyWhenItsServerGoes() throws Exception {
        // One flow first, so the round-robin's count is odd: a replaced table (its count back at 0) that
        // forgot the clients would send each to the other server than before.
        assertThat(served("cl", 85, 1)).containsOnlyKeys("be1 via " + NODE);
        Map<String, String> first = stickyRound(85, 20);
        assertThat(first).as("every client answered").hasSize(20).doesNotContainValue("ERR");
        assertThat(new java.util.HashSet<>(first.values())).as("round-robin over both servers for new clients")
                .containsExactlyInAnyOrder("be1", "be2");
        assertThat(stickyRound(85, 20)).as("each client back on its server").isEqualTo(first);

        // A reload that changes a limit replaces the whole table: the remembered clients go with it.
        long replaced = lb.log().lines().filter(l -> l.contains("kernel forwarding: table replaced")).count();
        lb.rewrite(config(1, 3, 3));
        lb.signal("HUP");
        awaitTrue(() -> table().contains("ct count over 3 "), 10_000, "the reload's limit in the table");
        // The node logs the replacement once nft has applied it: the table can be seen a moment before.
        awaitTrue(() -> lb.log().lines().filter(l -> l.contains("kernel forwarding: table replaced")).count() > replaced,
                5_000, "the whole table replaced");
        assertThat(stickyRound(85, 20)).as("each client on its server after the table was replaced").isEqualTo(first);

        // Drained, be1 takes no client, remembered or not; its clients are remembered on be2 from then on.
        admin("/servers?service=sticky&server=10.99.6.21:8080&state=draining");
        awaitTrue(() -> !rule("sticky").contains("10.99.6.21 . 8080"), 5_000, "be1 out of the sticky map once drained");
        Map<String, String> drained = stickyRound(85, 20);
        assertThat(new java.util.HashSet<>(drained.values())).as("all on be2 while be1 drains").containsExactly("be2");
        admin("/servers?service=sticky&server=10.99.6.21:8080&state=enabled");
        awaitTrue(() -> rule("sticky").contains("10.99.6.21 . 8080"), 5_000, "be1 back in the map");
        assertThat(stickyRound(85, 20)).as("be1's former clients stay where they went").isEqualTo(drained);
        lb.rewrite(config(1, 3));
        lb.signal("HUP");
        awaitTrue(() -> table().contains("ct count over 2 "), 10_000, "the first limit back");
    }

    @Test
    @Order(5)
    void allowAndDenyRefuseByTheMostSpecificNetwork() throws Exception {
        Map<String, String> seen = stickyRound(86, 6);
        assertThat(seen).as("10.99.8.0/24 allowed, 10.99.8.5 denied within it").containsEntry("10.99.8.5", "ERR")
                .hasSize(6);
        seen.remove("10.99.8.5");
        assertThat(seen).doesNotContainValue("ERR");
        assertThat(served("cl", 86, 2)).as("a client in no allowed network").isEqualTo(Map.of("FAILED", 2));
        assertThat(served("far", 86, 2)).as("a client one hop away in no allowed network").isEqualTo(Map.of("FAILED", 2));
    }

    @Test
    @Order(6)
    void aServerAtItsMaxConnsLeavesTheMapUntilAFlowEnds() throws Exception {
        // One connection held open: its server is full and leaves the map; the other takes the new flows.
        Process holder = new ProcessBuilder("ip", "netns", "exec", ns("cl"), "bash", "-c", "exec 3<>/dev/tcp/" + NODE
                + "/87 && echo ping >&3 && head -n 1 <&3 && read -t 30 -u 3").redirectErrorStream(true).start();
        try {
            awaitTrue(() -> metric("l4lb_service_sessions_active{service=\"capped\"}") == 1, 5_000,
                    "the held flow counted from conntrack");
            boolean onBe1 = metric("l4lb_server_sessions_active{server=\"10.99.6.21:8081\",service=\"capped\"}") == 1;
            String full = onBe1 ? "10.99.6.21 . 8081" : "10.99.6.22 . 8081";
            String free = onBe1 ? "10.99.6.22 . 8081" : "10.99.6.21 . 8081";
            awaitTrue(() -> !rule("capped").contains(full) && rule("capped").contains(free), 5_000, "the full server out of the map");
            for (int i = 0; i < 4; i++) {
                assertThat(holdAndTryOneMore("cl", 87, 0)).as("a new flow while one server is full").contains("MORE ok");
            }
        } finally {
            holder.destroyForcibly().waitFor();
        }
        awaitTrue(() -> rule("capped").contains("10.99.6.21 . 8081") && rule("capped").contains("10.99.6.22 . 8081"),
                5_000, "both servers back once the held flow ended");
        assertThat(holdAndTryOneMore("cl", 87, 2)).as("max-conns = 1 on each of two servers")
                .contains("HELD 0", "HELD 1", "MORE refused");
    }

    private static String ingress() {
        return Sh.run("ip", "netns", "exec", ns("lb"), "nft", "list", "table", "netdev", "l4lb").out();
    }

    @Test
    @Order(7)
    void directServerReturnSendsTheFramesOnAndTheServersAnswerTheClientThemselves() throws Exception {
        awaitTrue(() -> ingress().contains("fwd to \"eth0\""), 10_000, "the direct-return rule, once both MACs are known");
        Map<String, Integer> s = served("cl", DR_VIP, 8080, 40);
        // The servers see the client's own address, and the flows leave no conntrack entry on the node.
        assertThat(s).containsOnlyKeys("be1 via 10.99.6.31", "be2 via 10.99.6.31");
        assertThat(s.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
        assertThat(Sh.run("ip", "netns", "exec", ns("lb"), "conntrack", "-L", "-p", "tcp", "--orig-dst", DR_VIP).out()
                .lines().filter(l -> l.startsWith("tcp")).count()).as("flows the node's conntrack saw").isZero();
        admin("/servers?service=dr&server=10.99.6.21:8080&state=draining");
        awaitTrue(() -> !ingress().contains(mac("be1")), 5_000, "be1's MAC out of the rule once drained");
        assertThat(served("cl", DR_VIP, 8080, 10)).isEqualTo(Map.of("be2 via 10.99.6.31", 10));
        admin("/servers?service=dr&server=10.99.6.21:8080&state=enabled");
        awaitTrue(() -> ingress().contains(mac("be1")), 5_000, "be1 back");
    }

    private static String mac(String be) {
        return Sh.run("ip", "netns", "exec", ns(be), "cat", "/sys/class/net/eth0/address").out().trim();
    }

    @Test
    @Order(8)
    void aDrainedOrDownServerTakesNoNewFlow() throws Exception {
        admin("/servers?service=web&server=10.99.6.21:8080&state=draining");
        awaitTrue(() -> !web().contains("10.99.6.21 . 8080"), 5_000, "be1 out of the map once drained");
        assertThat(served(12)).isEqualTo(Map.of("be2 via " + NODE, 12));
        admin("/servers?service=web&server=10.99.6.21:8080&state=enabled");
        awaitTrue(() -> web().contains("10.99.6.21 . 8080"), 5_000, "be1 back in the map");

        backends.remove("be2").destroyForcibly().waitFor();
        awaitTrue(() -> !web().contains("10.99.6.22 . 8080"), 5_000, "be2 out of the map once its health check failed");
        assertThat(served(8)).isEqualTo(Map.of("be1 via " + NODE, 8));
        startBackend("be2");
        awaitTrue(() -> web().contains("10.99.6.22 . 8080"), 5_000, "be2 back once it passes");
    }

    @Test
    @Order(9)
    void aReloadChangesTheWeightsAndTheServersInPlace() throws Exception {
        long pid = lb.pid();
        lb.rewrite(config(1, 1));
        lb.signal("HUP");
        awaitTrue(() -> web().contains("numgen inc mod 2 "), 10_000,
                "the reload's weights in the table");
        assertThat(lb.pid()).isEqualTo(pid);
        Map<String, Integer> s = served(20);
        assertThat(s).isEqualTo(Map.of("be1 via " + NODE, 10, "be2 via " + NODE, 10));

        // A reload that takes a server out of the service's list, then puts it back.
        String both = "{ address = \"10.99.6.21:8080\", weight = 1 }, { address = \"10.99.6.22:8080\", weight = 1 }";
        lb.rewrite(config(1, 1).replace(both, "{ address = \"10.99.6.21:8080\", weight = 1 }"));
        lb.signal("HUP");
        awaitTrue(() -> !web().contains("10.99.6.22 . 8080"), 10_000, "be2 gone from the map with the reload");
        assertThat(served(6)).isEqualTo(Map.of("be1 via " + NODE, 6));
        lb.rewrite(config(1, 1));
        lb.signal("HUP");
        awaitTrue(() -> web().contains("10.99.6.22 . 8080"), 10_000, "be2 back with the next reload");
        assertThat(lb.pid()).isEqualTo(pid);
    }

    @Test
    @Order(10)
    void aCrashLeavesTheTableARestartReplacesItACleanStopRemovesIt() throws Exception {
        lb.kill();
        assertThat(hasTable()).as("a SIGKILLed node's table stays: the kernel goes on forwarding").isTrue();
        assertThat(served(4)).as("served with the node dead").containsOnlyKeys("be1 via " + NODE, "be2 via " + NODE);
        lb.rewrite(config(3, 1));
        lb.start();
        awaitTrue(() -> web().contains("0-2 : 10.99.6.21 . 8080"), 30_000, "the restarted node replaced the table");
        assertThat(table().split("dnat ip to", -1)).as("one rule per listen address (11), not the old ones beside the new").hasSize(12);
        lb.signal("TERM");
        lb.awaitExit(20);
        assertThat(hasTable()).as("a clean stop removes the table").isFalse();
        assertThat(lb.log()).contains("kernel forwarding: table replaced").contains("kernel forwarding: choices replaced");
    }
}
