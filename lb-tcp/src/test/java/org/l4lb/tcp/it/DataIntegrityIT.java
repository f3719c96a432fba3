package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every byte arrives, both ways, under load: 200 concurrent sessions each send 1 to 8 MiB of random
 * bytes and get 1 to 8 MiB back; SHA-256 is compared at both ends. Each client half-closes after
 * sending and then reads the whole reply, so half-close is exercised 200 times too.
 */
class DataIntegrityIT {

    private static final int SESSIONS = 200;
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    /** Server side: header (reply size, reply seed), payload to EOF; answers its SHA-256 then the reply. */
    static void hashAndReply(Socket s) throws Exception {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int replySize = in.readInt();
        long replySeed = in.readLong();
        Streams.Read got = Streams.read(in, Long.MAX_VALUE);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeLong(got.bytes());
        out.write(got.sha256());
        Streams.write(out, replySeed, replySize);
        s.shutdownOutput();
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void twoHundredConcurrentSessionsMoveEveryByteBothWays(String splice) throws Exception {
        try (Backend a = new Backend("a", DataIntegrityIT::hashAndReply);
                Backend b = new Backend("b", DataIntegrityIT::hashAndReply)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    splice = %s
                    services.data {
                      listen = ["127.0.0.1:%d"]
                      strategy = least-conn
                      servers = ["%s", "%s"]
                    }
                    """.formatted(splice, port, a.address(), b.address()))) {
                assertThat(lb.log()).contains("splice " + splice);
                ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> results = new ArrayList<>();
                SplittableRandom sizes = new SplittableRandom(2026);
                for (int i = 0; i < SESSIONS; i++) {
                    int up = MIB + sizes.nextInt(7 * MIB + 1);
                    int down = MIB + sizes.nextInt(7 * MIB + 1);
                    long seedUp = sizes.nextLong();
                    long seedDown = sizes.nextLong();
                    results.add(pool.submit(session(port, go, up, down, seedUp, seedDown)));
                }
                go.countDown();
                List<String> failures = new ArrayList<>();
                for (Future<String> f : results) {
                    String r = f.get(5, TimeUnit.MINUTES);
                    if (!r.isEmpty()) {
                        failures.add(r);
                    }
                }
                pool.shutdown();
                assertThat(failures).isEmpty();
                waitForAccessLines(lb, SESSIONS);
                assertThat(lb.accessLines()).hasSize(SESSIONS)
                        .allSatisfy(l -> assertThat(l).contains("tries=1"));
            }
        }
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void accessLogAndMetricsCountExactBytes(String splice) throws Exception {
        try (Backend a = new Backend("a", DataIntegrityIT::hashAndReply)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    splice = %s
                    services.data { listen = ["127.0.0.1:%d"], servers = ["%s"] }
                    """.formatted(splice, port, a.address()))) {
                String r = session(port, new CountDownLatch(0), 3 * MIB + 17, 5 * MIB + 3, 1, 2).call();
                assertThat(r).isEmpty();
                long up = 4 + 8 + 3 * MIB + 17;
                long down = 8 + 32 + 5 * MIB + 3;
                waitForAccessLines(lb, 1);
                assertThat(lb.accessLines()).singleElement().asString().contains("up=" + up + " down=" + down + " ");
                assertThat(lb.metricSum("l4lb_server_bytes_total", "to-server")).isEqualTo(up);
                assertThat(lb.metricSum("l4lb_server_bytes_total", "to-client")).isEqualTo(down);
                assertThat(lb.get("/metrics")).as("packets are the kernel path's").doesNotContain("l4lb_server_packets");
            }
        }
    }

    static void waitForAccessLines(LbProcess lb, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lb.accessLines().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** One client session; returns "" when every byte checked out, else what went wrong. */
    static Callable<String> session(int port, CountDownLatch go, int up, int down, long seedUp, long seedDown) {
        return () -> {
            go.await();
            try (Socket s = new Socket("127.0.0.1", port)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(down);
                out.writeLong(seedDown);
                byte[] sent = Streams.write(out, seedUp, up);
                s.shutdownOutput();
                DataInputStream in = new DataInputStream(s.getInputStream());
                long serverGot = in.readLong();
                byte[] serverHash = new byte[32];
                in.readFully(serverHash);
                Streams.Read reply = Streams.read(in, Long.MAX_VALUE);
                if (serverGot != up || !java.util.Arrays.equals(serverHash, sent)) {
                    return "server got " + serverGot + " of " + up + " bytes or a different SHA-256";
                }
                if (reply.bytes() != down || !java.util.Arrays.equals(reply.sha256(), Streams.expected(seedDown, down))) {
                    return "client got " + reply.bytes() + " of " + down + " bytes or a different SHA-256";
                }
                return "";
            } catch (Exception e) {
                return "session failed: " + e;
            }
        };
    }
}
