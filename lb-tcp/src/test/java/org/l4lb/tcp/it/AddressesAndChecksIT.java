package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unix-socket and IPv6 servers, host names, the NIO transport, send/expect checks and --check, through the real jar. */
class AddressesAndChecksIT {

    @TempDir
    Path dir;

    private static String read(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void unixSocketServer() throws Exception {
        Path sock = dir.resolve("app.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            // A thread per connection: one connection that lingers must not hold up the next.
            Thread t = new Thread(() -> {
                while (server.isOpen()) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (Exception e) {
                        return;
                    }
                    Thread conn = new Thread(() -> {
                        try (c) {
                            c.write(ByteBuffer.wrap("unix".getBytes(StandardCharsets.US_ASCII)));
                            c.shutdownOutput();
                            c.read(ByteBuffer.allocate(16));
                        } catch (Exception ignored) {
                            // the client side says what went wrong
                        }
                    });
                    conn.setDaemon(true);
                    conn.start();
                }
            });
            t.setDaemon(true);
            t.start();
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["unix:%s"] }
                    """.formatted(port, sock))) {
                assertThat(read(port)).isEqualTo("unix");
                assertThat(read(port)).isEqualTo("unix");
            }
        }
    }

    @Test
    void ipv6ListenerAndServerAndAHostName() throws Exception {
        try (Backend b = Backend.naming("v4")) {
            int v6port = Ports.free();
            int port = Ports.free();
            try (java.net.ServerSocket v6 = new java.net.ServerSocket()) {
                v6.bind(new InetSocketAddress("::1", 0));
                Thread t = new Thread(() -> {
                    while (!v6.isClosed()) {
                        Socket c;
                        try {
                            c = v6.accept();
                        } catch (Exception e) {
                            return;
                        }
                        Thread conn = new Thread(() -> {
                            try (c) {
                                c.getOutputStream().write("v6".getBytes(StandardCharsets.US_ASCII));
                                c.shutdownOutput();
                                c.getInputStream().read();
                            } catch (Exception ignored) {
                                // the client side says what went wrong
                            }
                        });
                        conn.setDaemon(true);
                        conn.start();
                    }
                });
                t.setDaemon(true);
                t.start();
                try (LbProcess lb = LbProcess.start(dir, """
                        services.six { listen = ["[::1]:%d"], servers = ["[::1]:%d"] }
                        services.name { listen = ["127.0.0.1:%d"], servers = ["localhost:%d"] }
                        """.formatted(v6port, v6.getLocalPort(), port, b.port))) {
                    try (Socket s = new Socket("::1", v6port)) {
                        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("v6");
                    }
                    DataIntegrityIT.waitForAccessLines(lb, 1);
                    assertThat(lb.accessLines().get(0)).contains("six [::1]:");
                    assertThat(read(port)).isEqualTo("v4");
                }
            }
        }
    }

    @Test
    void nioTransportBehavesTheSame() throws Exception {
        try (Backend b = new Backend("b", DataIntegrityIT::hashAndReply)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"] }
                    """.formatted(port, b.address()), "-Dio.netty.transport.noNative=true")) {
                assertThat(lb.log()).contains("transport nio");
                for (int i = 0; i < 3; i++) {
                    assertThat(DataIntegrityIT.session(port, new java.util.concurrent.CountDownLatch(0), 2_000_000 + i,
                            3_000_000 - i, i, 100 + i).call()).isEmpty();
                }
            }
        }
    }

    @Test
    void aTransportTheMachineCannotGiveIsRefusedLikeABadConfigWithTheReason() throws Exception {
        Path conf = Files.writeString(dir.resolve("uring.conf"), """
                transport = io-uring
                services.s { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:9"] }
                admin.listen = "127.0.0.1:%d"
                """.formatted(Ports.free(), Ports.free()));
        // noNative makes io_uring unavailable, as a kernel without it or a seccomp profile would.
        for (String[] args : new String[][] {{"--check", conf.toString()}, {conf.toString()}}) {
            LbProcess.Exit run = LbProcess.runToExit(java.util.List.of("-Dio.netty.transport.noNative=true"), args);
            assertThat(run.code()).as(run.output()).isEqualTo(2);
            assertThat(run.output()).contains(conf + ": transport: transport = io-uring, but io_uring is unavailable here")
                    .contains("explicit disabled with -Dio.netty.transport.noNative=true")
                    .doesNotContain(" started: ");
        }
    }

    @Test
    void sendExpectCheckTakesAWrongAnswerDownAndBringsItBack() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (Backend b = new Backend("b", s -> {
            InputStream in = s.getInputStream();
            byte[] ping = in.readNBytes(6);
            if (new String(ping, StandardCharsets.US_ASCII).equals("PING\r\n")) {
                s.getOutputStream().write((healthy.get() ? "+PONG\r\n" : "-ERR loading\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            s.shutdownOutput();
            in.read();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"]
                      health-check { type = send-expect, send = "PING\\r\\n", expect = "+PONG", interval = 100ms, timeout = 500ms, fall = 2, rise = 2 }
                    }
                    """.formatted(port, b.address()))) {
                healthy.set(false);
                waitFor(lb, "health down", 5);
                assertThat(lb.log()).contains("reply did not start with the expected bytes");
                assertThat(lb.get("/status")).contains("\"healthUp\" : false");
                healthy.set(true);
                waitFor(lb, "health up", 5);
                assertThat(lb.get("/status")).contains("\"healthUp\" : true");
            }
        }
    }

    /**
     * A server three services share is probed once per interval, not three times; a probe ends
     * with a reset (no TIME_WAIT left behind, as HAProxy's checks); and while sessions reach the
     * server, they are its check and no probe is sent at all.
     */
    @Test
    void checksProbeASharedServerOnceAndNotWhileSessionsReachIt() throws Exception {
        AtomicInteger probesClosed = new AtomicInteger();
        AtomicInteger probesReset = new AtomicInteger();
        AtomicInteger sessions = new AtomicInteger();
        try (Backend b = new Backend("b", s -> {
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                probesReset.incrementAndGet();
                return;
            }
            if (first < 0) {
                probesClosed.incrementAndGet();
            } else {
                sessions.incrementAndGet();
                s.getOutputStream().write(first);
            }
        })) {
            int[] ports = {Ports.free(), Ports.free(), Ports.free()};
            StringBuilder config = new StringBuilder();
            for (int i = 0; i < ports.length; i++) {
                config.append("services.s%d { listen = [\"127.0.0.1:%d\"], servers = [\"%s\"], health-check { interval = 200ms } }\n"
                        .formatted(i, ports[i], b.address()));
            }
            try (LbProcess lb = LbProcess.start(dir, config.toString())) {
                Thread.sleep(500); // the first checks are spread over one interval
                int before = probesClosed.get() + probesReset.get();
                Thread.sleep(2000);
                int idle = probesClosed.get() + probesReset.get() - before;
                assertThat(idle).as("probes in 2 s at one per 200 ms").isBetween(7, 13);
                assertThat(probesClosed.get()).as("probes closed with a FIN").isZero();

                before = probesClosed.get() + probesReset.get();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                int sent = 0;
                while (System.nanoTime() < end) {
                    try (Socket c = new Socket("127.0.0.1", ports[sent % ports.length])) {
                        c.setSoTimeout(5000);
                        c.getOutputStream().write('x');
                        assertThat(c.getInputStream().read()).isEqualTo('x');
                    }
                    sent++;
                    Thread.sleep(50);
                }
                int busy = probesClosed.get() + probesReset.get() - before;
                assertThat(sessions.get()).isEqualTo(sent);
                assertThat(busy).as("probes while " + sent + " sessions reached the server").isLessThanOrEqualTo(1);
            }
        }
    }

    private static void waitFor(LbProcess lb, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!lb.log().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(lb.log()).contains(text);
    }

    @Test
    void checkOfABadConfigExitsTwoWithFileLineMessages() throws Exception {
        Path conf = Files.writeString(dir.resolve("bad.conf"), """
                services.web {
                  listen = ["0.0.0.0:8080"]
                  strategy = ip-hsh
                  servers = [{ address = "127.0.0.1:9001", wieght = 5 }]
                }
                """);
        LbProcess.Exit run = LbProcess.runToExit(java.util.List.of(), "--check", conf.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.output()).contains(conf + ":3: services.web.strategy: unknown value 'ip-hsh'; did you mean 'ip-hash'?")
                .contains(conf + ":4: services.web.servers[0].wieght: unknown key 'wieght'; did you mean 'weight'?");
    }

    @Test
    void aPortInUseFailsTheStartWithExitOne() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path conf = Files.writeString(dir.resolve("busy.conf"), LbProcess.onTestedTransport("""
                    services.s { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:9"] }
                    admin.listen = "127.0.0.1:%d"
                    """.formatted(taken.getLocalPort(), Ports.free())));
            LbProcess.Exit run = LbProcess.runToExit(java.util.List.of(), conf.toString());
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.output()).contains("cannot start: service s: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .contains("Address already in use (another process listens there)");
            assertThat(run.output()).as("one line, no stack trace").doesNotContain("\tat ");
        }
    }

    @Test
    void aSecondNodeOnThePortsOfARunningOneFailsTheStartInsteadOfTakingHalfTheClients() throws Exception {
        int port = Ports.free();
        try (LbProcess first = LbProcess.start(dir, """
                services.s { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:9"] }
                """.formatted(port))) {
            Path conf = Files.writeString(dir.resolve("second.conf"), LbProcess.onTestedTransport("""
                    services.t { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:9"] }
                    admin.listen = "127.0.0.1:%d"
                    """.formatted(port, Ports.free())));
            LbProcess.Exit run = LbProcess.runToExit(java.util.List.of(), conf.toString());
            assertThat(run.code()).as(run.output()).isEqualTo(1);
            assertThat(run.output()).contains("cannot start: service t: cannot listen on 127.0.0.1:" + port
                    + ": Address already in use (another process listens there)").doesNotContain("\tat ");
        }
    }

    @Test
    void aServerNameThatDoesNotResolveFailsTheStartWithOneLine() throws Exception {
        Path conf = Files.writeString(dir.resolve("name.conf"), LbProcess.onTestedTransport("""
                services.s { listen = ["127.0.0.1:%d"], servers = ["no-such-host.invalid:80"] }
                admin.listen = "127.0.0.1:%d"
                """.formatted(Ports.free(), Ports.free())));
        LbProcess.Exit run = LbProcess.runToExit(java.util.List.of(), conf.toString());
        assertThat(run.code()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("cannot start: service s: cannot resolve a server: no-such-host.invalid")
                .as("one line, no stack trace").doesNotContain("\tat ");
    }

    @Test
    void listeningOnAnAddressThisHostLacksSaysWhichAndWhatToDo() throws Exception {
        // As a VIP on the node that does not hold it; binding only, no packet leaves.
        int port = Ports.free();
        Path conf = Files.writeString(dir.resolve("vip.conf"), LbProcess.onTestedTransport("""
                services.web { listen = ["10.99.7.7:%d"], servers = ["127.0.0.1:9"] }
                admin.listen = "127.0.0.1:%d"
                """.formatted(port, Ports.free())));
        LbProcess.Exit run = LbProcess.runToExit(java.util.List.of(), conf.toString());
        assertThat(run.code()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("cannot start: service web: cannot listen on 10.99.7.7:" + port + ": ")
                .contains("not an address of this host: to listen on a VIP this node may not hold, listen on 0.0.0.0:" + port);
        assertThat(run.output()).as("one line, no stack trace").doesNotContain("\tat ");
    }
}
