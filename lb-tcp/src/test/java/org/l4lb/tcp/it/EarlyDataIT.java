package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clients send before their server connection is up is held by the memory it takes, not by
 * its byte count, and all of it shares one budget: clients that trickle bytes one at a time to a
 * service whose server never answers the connect cost little, and leave the rest of the node alone.
 */
class EarlyDataIT {

    private static final int TRICKLERS = 300;

    @TempDir
    Path dir;

    @Test
    void clientsTricklingBytesToAHangingConnectNeitherGrowTheNodeNorStarveAnotherService() throws Exception {
        byte[] request = new byte[64 * 1024];
        new SplittableRandom(7).nextBytes(request);
        try (FullBacklogListener hanging = new FullBacklogListener();
                Backend echo = new Backend("echo", s -> {
                    byte[] got = new DataInputStream(s.getInputStream()).readNBytes(request.length);
                    s.getOutputStream().write(got);
                })) {
            int stuck = Ports.free();
            int ok = Ports.free();
            String config = """
                    services.stuck {
                      listen = ["127.0.0.1:%d"], servers = [{ address = "%s", max-fails = 0 }]
                      connect-timeout = 60s, health-check { type = none }
                    }
                    services.ok { listen = ["127.0.0.1:%d"], servers = ["%s"] }
                    """.formatted(stuck, "127.0.0.1:" + hanging.port(), ok, echo.address());
            try (LbProcess lb = LbProcess.start(dir, config, "-XX:MaxDirectMemorySize=48m")) {
                long rssBefore = rssKiB(lb.pid());
                List<SocketChannel> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < TRICKLERS; i++) {
                        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", stuck));
                        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        c.configureBlocking(false);
                        clients.add(c);
                    }
                    long writes = 0;
                    ByteBuffer one = ByteBuffer.allocate(1);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                    while (System.nanoTime() < end) {
                        for (SocketChannel c : clients) {
                            one.clear();
                            writes += c.write(one);
                        }
                    }
                    long rssGrowth = rssKiB(lb.pid()) - rssBefore;
                    System.out.printf("%d clients, %d one-byte writes in 8 s: RSS %d -> +%d KiB%n", TRICKLERS, writes, rssBefore, rssGrowth);

                    try (Socket c = new Socket("127.0.0.1", ok)) {
                        c.setSoTimeout(5000);
                        c.getOutputStream().write(request);
                        assertThat(new DataInputStream(c.getInputStream()).readNBytes(request.length)).isEqualTo(request);
                    }
                    assertThat(lb.log()).doesNotContain("OutOfMemoryError");
                    assertThat(rssGrowth).as("RSS growth in KiB after %d one-byte writes", writes).isLessThan(64 * 1024);
                    double held = lb.metric("l4lb_early_data_held_bytes");
                    double limit = lb.metric("l4lb_early_data_limit_bytes");
                    System.out.printf("early data held: %.0f of %.0f bytes%n", held, limit);
                    assertThat(limit).as("a quarter of the direct memory limit").isEqualTo(12 * 1024 * 1024);
                    assertThat(held).as("held while the server cannot be reached").isPositive()
                            .isLessThanOrEqualTo(limit + TRICKLERS * 2048);
                } finally {
                    for (SocketChannel c : clients) {
                        c.close();
                    }
                }
                // Their FIN comes behind what their kernel still holds: it stays there, since
                // the node is past its budget, rather than being read in with the FIN. Not on
                // io_uring, which reads it all in at the FIN (README, Data path).
                if (LbProcess.TRANSPORT.isEmpty()) {
                    Thread.sleep(1000);
                    double limit = lb.metric("l4lb_early_data_limit_bytes");
                    assertThat(lb.metric("l4lb_early_data_held_bytes")).as("held once the clients sent their FIN")
                            .isLessThanOrEqualTo(limit + TRICKLERS * 2048);
                }
            }
        }
    }

    private static long rssKiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
