package org.l4lb.ha.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.command.Commands;

/**
 * The kernel's own sockets, with iproute2's ss: on an address of the loopback range of its own,
 * a server side left in TIME_WAIT, one closed before its client (FIN_WAIT-2, no owner) and one
 * half-closed by a session still reading (FIN_WAIT-2, owned). Destroying sockets needs
 * CAP_NET_ADMIN, so it runs as root (as CI does).
 */
class ClosedSocketsIT {

    /** An address of its own for each run: a socket of an earlier run can still be in TIME_WAIT. */
    private static final String ADDRESS = "127.99." + new Random().nextInt(256) + "." + (1 + new Random().nextInt(254));

    @Test
    void dropsWhatTheApplicationClosedAndKeepsAHalfClosedSessionThatStillReads() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "ss -K needs CAP_NET_ADMIN");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 0));
            Socket timeWaitClient = new Socket(ADDRESS, server.getLocalPort());
            Socket timeWait = server.accept();
            Socket orphanClient = new Socket(ADDRESS, server.getLocalPort());
            Socket orphan = server.accept();
            Socket liveClient = new Socket(ADDRESS, server.getLocalPort());
            Socket live = server.accept();

            timeWait.close();
            assertThat(timeWaitClient.getInputStream().read()).isEqualTo(-1);
            timeWaitClient.close();
            orphan.close();
            assertThat(orphanClient.getInputStream().read()).as("the server's FIN reached the client").isEqualTo(-1);
            live.shutdownOutput();
            assertThat(liveClient.getInputStream().read()).isEqualTo(-1);
            awaitStates(server.getLocalPort(), 1, 2);

            long dropped = new ClosedSockets(Commands.SYSTEM, Duration.ofSeconds(5)).drop(ADDRESS);

            assertThat(dropped).as("the TIME_WAIT socket and the closed FIN_WAIT-2 one").isEqualTo(2);
            assertThat(ss("time-wait", server.getLocalPort())).isEmpty();
            assertThat(ss("fin-wait-2", server.getLocalPort())).singleElement().asString()
                    .contains(":" + liveClient.getLocalPort());
            // The half-closed session still gets what its client sends, byte for byte.
            byte[] sent = new byte[64 * 1024];
            new Random().nextBytes(sent);
            liveClient.getOutputStream().write(sent);
            liveClient.close();
            InputStream in = live.getInputStream();
            assertThat(in.readAllBytes()).isEqualTo(sent);
            live.close();
            orphanClient.close();
        }
    }

    private static void awaitStates(int port, int timeWaits, int finWaits) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ss("time-wait", port).size() != timeWaits || ss("fin-wait-2", port).size() != finWaits) {
            assertThat(System.nanoTime()).as("the sockets reached their states").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<String> ss(String state, int port) throws Exception {
        Commands.Result r = Commands.SYSTEM.run(List.of("ss", "-t", "-n", "-H", "state", state, "src", ADDRESS + ":" + port),
                Duration.ofSeconds(5));
        assertThat(r.ok()).as(r.output()).isTrue();
        return r.output().lines().filter(l -> !l.isBlank()).toList();
    }
}
