package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A client that stops reading while its server streams 1 GiB: the LB must not buffer it. */
class BackPressureIT {

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    /** Heap in use right after a full GC: what the LB holds, not garbage it has yet to collect. */
    private static long retained(LbProcess lb) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(lb.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        return memory(lb);
    }

    private static long memory(LbProcess lb) throws Exception {
        double heap = lb.metricSum("jvm_memory_used_bytes", "area=\"heap\"");
        double direct = lb.metricSum("jvm_buffer_memory_used_bytes", "id=\"direct\"");
        double netty = Math.max(0, lb.metric("l4lb_netty_direct_memory_used_bytes"));
        return (long) (heap + direct + netty);
    }

    /** Reads to the end; a reset fails with the LB's log, whose access line says which side reset. */
    private static long readAll(InputStream in, LbProcess lb) throws Exception {
        byte[] buf = new byte[256 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw new AssertionError("client read failed after " + total + " bytes: " + e + "\nLB log:\n" + lb.log(), e);
        }
    }

    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void aStalledReaderStallsTheWriterAndMemoryStaysFlat(String splice) throws Exception {
        AtomicLong written = new AtomicLong();
        byte[] chunk = new byte[64 * 1024];
        try (Backend streamer = new Backend("streamer", s -> {
            OutputStream out = s.getOutputStream();
            for (long n = 0; n < GIB; n += chunk.length) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
            s.shutdownOutput();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], health-check.type = none }
                    """.formatted(port, streamer.address()), "-XX:+UseSerialGC")) {
                long idle = retained(lb);
                try (Socket client = new Socket("127.0.0.1", port)) {
                    client.setReceiveBufferSize(64 * 1024);
                    // Do not read for 3 s while the server tries to push 1 GiB.
                    long peak = 0;
                    for (int i = 0; i < 15; i++) {
                        Thread.sleep(200);
                        peak = Math.max(peak, memory(lb));
                    }
                    long stalledAt = written.get();
                    System.out.printf("back-pressure: idle %d MiB, peak %+d MiB, server held at %d MiB%n",
                            idle / MIB, (peak - idle) / MIB, stalledAt / MIB);
                    assertThat(stalledAt).as("the server is held back by the kernel buffers alone").isLessThan(64 * MIB);
                    assertThat(peak - idle).as("LB heap + direct memory above idle").isLessThan(64 * MIB);

                    long total = readAll(client.getInputStream(), lb);
                    assertThat(total).isEqualTo(GIB);
                    assertThat(retained(lb) - idle).as("held after 1 GiB went through").isLessThan(64 * MIB);
                }
            }
        }
    }
    /**
     * The client sends its FIN first and then reads slowly, so the LB's socket to it fills and
     * must wait for room while that side's input is already shut: every byte of the reply must
     * still arrive (Netty 4.2 had dropped such a socket from epoll, failed the wait for room and
     * ended the reply early with a clean FIN).
     */
    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void aClientThatHalfClosedAndReadsSlowlyGetsTheWholeReply(String splice) throws Exception {
        long size = 32 * MIB;
        long seed = System.nanoTime();
        try (Backend streamer = new Backend("streamer", s -> {
            // Reply only after the client's FIN, so it is already half-closed when the bytes come.
            while (s.getInputStream().read() >= 0) {
                // the request is a few bytes
            }
            Streams.write(s.getOutputStream(), seed, size);
            s.shutdownOutput();
        })) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], health-check.type = none }
                    """.formatted(port, streamer.address()))) {
                try (Socket client = new Socket()) {
                    client.setReceiveBufferSize(32 * 1024);
                    client.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                    client.getOutputStream().write("GET\n".getBytes());
                    client.shutdownOutput();
                    InputStream in = client.getInputStream();
                    byte[] buf = new byte[16 * 1024];
                    java.security.MessageDigest sha = Streams.sha256();
                    long total = 0;
                    try {
                        for (int n, reads = 0; (n = in.read(buf)) >= 0; reads++) {
                            sha.update(buf, 0, n);
                            total += n;
                            if (reads % 64 == 0 && total < 8 * MIB) {
                                // Slow at first: the LB's buffers towards this client fill many times.
                                Thread.sleep(20);
                            }
                        }
                    } catch (IOException e) {
                        throw new AssertionError("client read failed after " + total + " bytes: " + e + "\nLB log:\n" + lb.log(), e);
                    }
                    assertThat(total).as("reply bytes; LB log:%n%s", lb.log()).isEqualTo(size);
                    assertThat(Arrays.equals(sha.digest(), Streams.expected(seed, size))).as("reply SHA-256").isTrue();
                }
            }
        }
    }

    /**
     * The client is read while its server connection is made (so what it sends first goes out the
     * moment the connection is up), but only up to the high-water mark: a client that streams
     * while the server cannot be reached is stalled, not buffered, and every byte arrives after.
     */
    @ParameterizedTest(name = "splice {0}")
    @MethodSource("org.l4lb.tcp.it.LbProcess#spliceModes")
    void aClientStreamingBeforeItsServerIsConnectedIsStalledThenDeliveredWhole(String splice) throws Exception {
        long size = 64 * MIB;
        long seed = 42;
        try (FullBacklogListener server = new FullBacklogListener()) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, "splice = " + splice + "\n" + """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:%d"], health-check.type = none,
                                 connect-timeout = 30s }
                    """.formatted(port, server.port()));
                 Socket client = new Socket("127.0.0.1", port)) {
                AtomicLong written = new AtomicLong();
                CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
                    try {
                        OutputStream out = new FilterOutputStream(client.getOutputStream()) {
                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                out.write(b, off, len);
                                written.addAndGet(len);
                            }
                        };
                        return Streams.write(out, seed, size);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                Thread.sleep(2000);
                long stalledAt = written.get();
                // Unbounded reading would have taken all 64 MiB in a few milliseconds; bounded, the
                // client stops once the kernel's buffers and the LB's high-water mark are full.
                assertThat(sent).as("the client could write everything before its server was connected").isNotDone();
                assertThat(stalledAt).isLessThan(size / 2);

                Socket fromLb = server.acceptAfterFillers(20_000);
                try (Socket upstream = fromLb) {
                    Streams.Read got = Streams.read(upstream.getInputStream(), size);
                    assertThat(got.bytes()).isEqualTo(size);
                    assertThat(got.sha256()).isEqualTo(Streams.expected(seed, size));
                    assertThat(sent.get(20, TimeUnit.SECONDS)).isEqualTo(got.sha256());
                }
            }
        }
    }
}
