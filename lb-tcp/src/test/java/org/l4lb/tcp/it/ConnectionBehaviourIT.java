package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Half-close, resets, timeouts and limits, each through a real lb-tcp process. */
class ConnectionBehaviourIT {

    @TempDir
    Path dir;

    private static String service(int port, String servers, String extra) {
        return """
                services.s {
                  listen = ["127.0.0.1:%d"]
                  servers = [%s]
                  %s
                }
                """.formatted(port, servers, extra);
    }

    private static String quoted(Backend... backends) {
        List<String> q = new ArrayList<>();
        for (Backend b : backends) {
            q.add("\"" + b.address() + "\"");
        }
        return String.join(", ", q);
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void halfCloseDeliversTheWholeReplyAfterTheClientsFin(String splice) throws Exception {
        // The server reads to EOF first, then answers with 3 MiB: only works if our FIN reached it
        // and its reply still flows back after it.
        try (Backend b = new Backend("b", s -> {
            long n = Streams.read(s.getInputStream(), Long.MAX_VALUE).bytes();
            new java.io.DataOutputStream(s.getOutputStream()).writeLong(n);
            Streams.write(s.getOutputStream(), 9, 3 << 20);
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + service(port, quoted(b), ""))) {
                try (Socket c = new Socket("127.0.0.1", port)) {
                    Streams.write(c.getOutputStream(), 5, 123_457);
                    c.shutdownOutput();
                    DataInputStream in = new DataInputStream(c.getInputStream());
                    assertThat(in.readLong()).isEqualTo(123_457);
                    Streams.Read r = Streams.read(in, Long.MAX_VALUE);
                    assertThat(r.bytes()).isEqualTo(3 << 20);
                    assertThat(r.sha256()).isEqualTo(Streams.expected(9, 3 << 20));
                }
            }
        }
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void aResetFromTheServerResetsTheClient(String splice) throws Exception {
        try (Backend b = new Backend("b", s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + service(port, quoted(b), ""))) {
                try (Socket c = new Socket("127.0.0.1", port)) {
                    c.getOutputStream().write(1);
                    assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(SocketException.class)
                            .hasMessageContaining("reset");
                }
                DataIntegrityIT.waitForAccessLines(lb, 1);
                assertThat(lb.accessLines()).singleElement().asString().contains("end=server-reset");
            }
        }
    }

    /** What a server that refuses an upload says before its reset ("413, then close"). */
    private static final byte[] REFUSAL = ("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final int REFUSING_CLIENTS = 30;

    /**
     * A server reads 1 MiB, answers and resets while its client is still uploading 5 MiB: the
     * client, once its upload fails, reads the answer, as it does when connected directly. The
     * buffer relay on epoll only: splice(2) and io_uring lose what they read last before a reset.
     */
    @Test
    void whatAServerWritesBeforeItsResetReachesTheClientFirst() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LbProcess.TRANSPORT.isEmpty(),
                "io_uring loses what it read last before a reset (README, Data path)");
        String splice = "off";
        try (Backend b = new Backend("b", s -> {
            Streams.read(s.getInputStream(), 1 << 20);
            s.getOutputStream().write(REFUSAL);
            s.setSoLinger(true, 0);
            s.close();
        })) {
            assertThat(answeredBeforeReset(b.port)).as("directly").isEqualTo(REFUSING_CLIENTS);
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + service(port, quoted(b), ""))) {
                assertThat(answeredBeforeReset(port)).as("through lb-tcp").isEqualTo(REFUSING_CLIENTS);
                DataIntegrityIT.waitForAccessLines(lb, REFUSING_CLIENTS);
                assertThat(lb.accessLines()).allSatisfy(l -> assertThat(l).contains("end=server-reset"));
            }
        }
    }

    /**
     * A server that resets after more than its client will read: the reset cannot wait for those
     * bytes to be delivered, and the client's socket is not kept once the 2 s limit has passed.
     * On epoll only: io_uring can miss a reset on a connection it has stopped reading.
     */
    @Test
    void aResetWaitsAtMostTwoSecondsForAClientThatReadsNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LbProcess.TRANSPORT.isEmpty(),
                "io_uring can miss a reset while it does not read (README, Data path)");
        try (Backend b = new Backend("b", s -> {
            s.getInputStream().read();
            Thread writer = new Thread(() -> {
                try {
                    Streams.write(s.getOutputStream(), 3, 64 << 20);
                } catch (java.io.IOException closed) {
                    // the reset below
                }
            });
            writer.start();
            Thread.sleep(1000);
            s.setSoLinger(true, 0);
            s.close();
            writer.join();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, service(port, quoted(b), "health-check { type = none }"))) {
                long baseline = openFiles(lb.pid());
                try (Socket c = new Socket("127.0.0.1", port)) {
                    c.getOutputStream().write(1);
                    DataIntegrityIT.waitForAccessLines(lb, 1);
                    assertThat(lb.accessLines()).singleElement().asString().contains("end=server-reset");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (openFiles(lb.pid()) > baseline && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertThat(openFiles(lb.pid())).as("lb's descriptors while the client still reads nothing")
                            .isEqualTo(baseline);
                }
            }
        }
    }

    private static long openFiles(long pid) throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        }
    }

    /** How many of the clients read the whole refusal after their upload failed. */
    private static int answeredBeforeReset(int port) throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < REFUSING_CLIENTS; i++) {
                int seed = i;
                answers.add(pool.submit(() -> {
                    try (Socket c = new Socket("127.0.0.1", port)) {
                        c.setSoTimeout(10_000);
                        try {
                            Streams.write(c.getOutputStream(), seed, 5 << 20);
                        } catch (SocketException refused) {
                            // the server's reset, passed on
                        }
                        byte[] got = c.getInputStream().readNBytes(REFUSAL.length);
                        return java.util.Arrays.equals(got, REFUSAL);
                    } catch (SocketException lost) {
                        return false;
                    }
                }));
            }
            int answered = 0;
            for (var a : answers) {
                answered += a.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            return answered;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void idleTimeoutClosesASilentSession(String splice) throws Exception {
        try (Backend b = new Backend("b", s -> s.getInputStream().read())) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + service(port, quoted(b), "idle-timeout = 600ms"))) {
                try (Socket c = new Socket("127.0.0.1", port)) {
                    c.setSoTimeout(5000);
                    long t0 = System.nanoTime();
                    assertThat(c.getInputStream().read()).isEqualTo(-1);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertThat(ms).isBetween(500L, 3000L);
                }
                DataIntegrityIT.waitForAccessLines(lb, 1);
                assertThat(lb.accessLines()).singleElement().asString().contains("end=idle-timeout");
            }
        }
    }

    @Test
    void accessLogOffDropsTheLinesOfThatServiceOnly() throws Exception {
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write(s.getInputStream().read());
            s.close();
        })) {
            int quiet = Ports.free();
            int logged = Ports.free();
            String config = "services.quiet { listen = [\"127.0.0.1:" + quiet + "\"], servers = [" + quoted(b)
                    + "], access-log = false }\n" + service(logged, quoted(b), "").replace("services.s", "services.logged");
            try (LbProcess lb = LbProcess.start(dir, config)) {
                for (int port : new int[] {quiet, logged}) {
                    try (Socket c = new Socket("127.0.0.1", port)) {
                        c.setSoTimeout(5000);
                        c.getOutputStream().write(7);
                        assertThat(c.getInputStream().read()).isEqualTo(7);
                        assertThat(c.getInputStream().read()).isEqualTo(-1);
                    }
                }
                DataIntegrityIT.waitForAccessLines(lb, 1);
                Thread.sleep(300); // a line of the quiet service would be written by now too
                assertThat(lb.accessLines()).singleElement().asString().contains("access: logged ");
                assertThat(lb.metricSum("l4lb_service_sessions_total", "\"quiet\"")).isEqualTo(1);
            }
        }
    }

    @Test
    void connectTimeoutMovesOnToTheNextServer() throws Exception {
        // A connect to a listener whose accept queue is full hangs, as to a dead host.
        try (FullBacklogListener blackhole = new FullBacklogListener()) {
            try (Backend good = Backend.naming("good")) {
                int port = Ports.free();
                String servers = "\"127.0.0.1:" + blackhole.port() + "\", " + quoted(good);
                try (LbProcess lb = LbProcess.start(dir, service(port, servers,
                        "connect-timeout = 300ms\nhealth-check.type = none"))) {
                    for (int i = 0; i < 2; i++) {
                        try (Socket c = new Socket("127.0.0.1", port)) {
                            c.setSoTimeout(5000);
                            assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("good");
                        }
                    }
                    DataIntegrityIT.waitForAccessLines(lb, 2);
                    assertThat(lb.log()).contains("passive down").contains("timed out");
                    // Sessions end on different event loops, so their access lines may come in either order.
                    assertThat(lb.accessLines()).anySatisfy(l -> assertThat(l).contains("tries=2").contains("-> " + good.address()));
                }
            }
        }
    }

    @Test
    void maxConnsOfTheOnlyServerRefusesTheSecondSession() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write('x');
            release.await(10, TimeUnit.SECONDS);
        })) {
            int port = Ports.free();
            String servers = "{ address = \"" + b.address() + "\", max-conns = 1 }";
            try (LbProcess lb = LbProcess.start(dir, service(port, servers, ""))) {
                try (Socket first = new Socket("127.0.0.1", port)) {
                    assertThat(first.getInputStream().read()).isEqualTo('x');
                    try (Socket second = new Socket("127.0.0.1", port)) {
                        second.setSoTimeout(5000);
                        assertThat(second.getInputStream().read()).as("the full server refuses the second").isEqualTo(-1);
                    }
                    release.countDown();
                }
                DataIntegrityIT.waitForAccessLines(lb, 2);
                assertThat(lb.accessLines()).anySatisfy(l -> assertThat(l).contains("end=no-server"));
            }
        }
    }

    @Test
    void perClientLimitRefusesTheThirdSessionFromOneAddressOnly() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write('x');
            release.await(10, TimeUnit.SECONDS);
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, service(port, quoted(b), "max-connections-per-client = 2"))) {
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        Socket s = new Socket("127.0.0.1", port);
                        held.add(s);
                        assertThat(s.getInputStream().read()).isEqualTo('x');
                    }
                    try (Socket third = new Socket("127.0.0.1", port)) {
                        third.setSoTimeout(5000);
                        assertThat(third.getInputStream().read()).isEqualTo(-1);
                    }
                    try (Socket other = new Socket()) {
                        other.bind(new InetSocketAddress("127.0.0.2", 0));
                        other.connect(new InetSocketAddress("127.0.0.1", port));
                        assertThat(other.getInputStream().read()).as("another client address").isEqualTo('x');
                    }
                } finally {
                    release.countDown();
                    for (Socket s : held) {
                        s.close();
                    }
                }
                assertThat(lb.metric("l4lb_service_refused_total{reason=\"client-limit\",service=\"s\"}")).isEqualTo(1.0);
                assertThat(lb.log()).contains("refused 127.0.0.1:").contains("client-limit");
            }
        }
    }

    @Test
    void globalLimitCountsSessionsOfAllServices() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write('x');
            release.await(10, TimeUnit.SECONDS);
        })) {
            int p1 = Ports.free();
            int p2 = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "max-connections = 1\n" + service(p1, quoted(b), "")
                    + service(p2, quoted(b), "").replace("services.s", "services.t"))) {
                try (Socket first = new Socket("127.0.0.1", p1)) {
                    assertThat(first.getInputStream().read()).isEqualTo('x');
                    try (Socket other = new Socket("127.0.0.1", p2)) {
                        other.setSoTimeout(5000);
                        assertThat(other.getInputStream().read()).as("the node is full").isEqualTo(-1);
                    }
                } finally {
                    release.countDown();
                }
                assertThat(lb.metric("l4lb_service_refused_total{reason=\"global-limit\",service=\"t\"}")).isEqualTo(1.0);
            }
        }
    }

    @Test
    void nextUpstreamTriesBoundsTheAttempts() throws Exception {
        int dead1 = Ports.free();
        int dead2 = Ports.free();
        int dead3 = Ports.free();
        int port = Ports.free();
        String servers = "\"127.0.0.1:%d\", \"127.0.0.1:%d\", \"127.0.0.1:%d\"".formatted(dead1, dead2, dead3);
        try (LbProcess lb = LbProcess.start(dir, service(port, servers, "next-upstream-tries = 2\nhealth-check.type = none"))) {
            try (Socket c = new Socket("127.0.0.1", port)) {
                c.setSoTimeout(5000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
            }
            DataIntegrityIT.waitForAccessLines(lb, 1);
            assertThat(lb.accessLines()).singleElement().asString().contains("tries=2").contains("end=connect-failed");
            assertThat(lb.metric("l4lb_service_retries_total{service=\"s\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void denyRuleRefusesItsNetworkAndCountsIt() throws Exception {
        try (Backend b = Backend.naming("b")) {
            int port = Ports.free();
            // No health checks: they would count as accepted connections too.
            try (LbProcess lb = LbProcess.start(dir, service(port, quoted(b), "deny = [\"127.0.0.3/32\"]\nhealth-check.type = none"))) {
                try (Socket denied = new Socket()) {
                    denied.bind(new InetSocketAddress("127.0.0.3", 0));
                    denied.connect(new InetSocketAddress("127.0.0.1", port));
                    denied.setSoTimeout(5000);
                    assertThat(denied.getInputStream().read()).isEqualTo(-1);
                }
                try (Socket allowed = new Socket()) {
                    allowed.bind(new InetSocketAddress("127.0.0.4", 0));
                    allowed.connect(new InetSocketAddress("127.0.0.1", port));
                    assertThat(new String(allowed.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("b");
                }
                assertThat(lb.metric("l4lb_service_refused_total{reason=\"denied\",service=\"s\"}")).isEqualTo(1.0);
                assertThat(b.accepted.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void sigtermDrainsOpenSessionsAndRefusesNewOnes() throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write('1');
            finish.await(20, TimeUnit.SECONDS);
            s.getOutputStream().write('2');
            s.shutdownOutput();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, service(port, quoted(b), "") + "shutdown-timeout = 20s\n")) {
                try (Socket open = new Socket("127.0.0.1", port)) {
                    InputStream in = open.getInputStream();
                    assertThat(in.read()).isEqualTo('1');
                    lb.signal("TERM");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (!lb.log().contains("draining:") && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("not accepting any more")
                            .isInstanceOf(java.net.ConnectException.class);
                    assertThat(lb.alive()).isTrue();
                    finish.countDown();
                    assertThat(in.read()).as("the open session finishes").isEqualTo('2');
                    assertThat(in.read()).isEqualTo(-1);
                }
                assertThat(lb.waitFor(java.time.Duration.ofSeconds(10))).isTrue();
                assertThat(lb.exitValue()).isZero();
            }
        }
    }

    @Test
    void secondSigtermExitsAtOnce() throws Exception {
        try (Backend b = new Backend("b", s -> {
            s.getOutputStream().write('1');
            Thread.sleep(30_000);
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, service(port, quoted(b), "") + "shutdown-timeout = 60s\n");
                    Socket open = new Socket("127.0.0.1", port)) {
                assertThat(open.getInputStream().read()).isEqualTo('1');
                lb.signal("TERM");
                Thread.sleep(500);
                assertThat(lb.alive()).as("draining the open session").isTrue();
                lb.signal("TERM");
                assertThat(lb.waitFor(java.time.Duration.ofSeconds(5))).isTrue();
            }
        }
    }
}
