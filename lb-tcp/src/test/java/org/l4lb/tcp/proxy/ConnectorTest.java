package org.l4lb.tcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.l4lb.tcp.proxy.FrontendTest.random;

import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Picking and connecting a server, on in-memory channels: retries, their limits, and the end when none is left. */
class ConnectorTest {

    @TempDir
    Path dir;

    @Test
    void aRefusedConnectCountsAgainstThatServerAndTheNextOneIsTried() throws Exception {
        Sessions t = new Sessions(dir, "servers = [\"127.0.0.1:9001\", { address = \"127.0.0.1:9002\", backup = true }]",
                Map.of(9001, TestChannel.Connect.REFUSES));
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client);
        byte[] payload = random(20_000);
        client.writeInbound(Unpooled.wrappedBuffer(payload));

        assertThat(t.backends).hasSize(2);
        assertThat(t.backend(0).isOpen()).as("the refused channel is closed").isFalse();
        assertThat(t.server("127.0.0.1:9001").connectFailures()).isEqualTo(1);
        assertThat(t.server("127.0.0.1:9001").sessions()).as("its slot went back").isZero();
        assertThat(t.server("127.0.0.1:9002").sessions()).isEqualTo(1);
        assertThat(t.service.retries()).isEqualTo(1);
        assertThat(s.phase()).isEqualTo(Session.Phase.RELAYING);
        assertThat(t.backend(1).written()).isEqualTo(payload);
    }

    @Test
    void withNoTriesLeftTheClientIsClosedAsConnectFailed() throws Exception {
        Sessions t = new Sessions(dir, "servers = [\"127.0.0.1:9001\", \"127.0.0.1:9002\"]\n next-upstream-tries = 1",
                Map.of(9001, TestChannel.Connect.REFUSES, 9002, TestChannel.Connect.REFUSES));
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client);

        assertThat(t.backends).hasSize(1);
        assertThat(s.end()).isEqualTo(SessionEnd.CONNECT_FAILED);
        assertThat(client.isOpen()).isFalse();
        assertThat(t.service.ends(SessionEnd.CONNECT_FAILED)).isEqualTo(1);
        assertThat(t.service.upstream().servers()).allSatisfy(server -> assertThat(server.sessions()).isZero());
        assertThat(t.service.admission().active()).isZero();
    }

    @Test
    void withEveryServerDownTheSessionEndsAsNoServer() throws Exception {
        Sessions t = new Sessions(dir, "servers = [{ address = \"127.0.0.1:9001\", down = true }]");
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client);

        assertThat(s.end()).isEqualTo(SessionEnd.NO_SERVER);
        assertThat(t.backends).isEmpty();
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aClientThatLeavesWhileItsServerConnectsReleasesTheServer() throws Exception {
        Sessions t = new Sessions(dir, "servers = [\"127.0.0.1:9001\"]", Map.of(9001, TestChannel.Connect.HANGS));
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client);
        assertThat(t.server("127.0.0.1:9001").sessions()).isEqualTo(1);

        client.close();
        client.runPendingTasks();
        assertThat(s.end()).isEqualTo(SessionEnd.CLIENT_CLOSED);
        assertThat(t.server("127.0.0.1:9001").sessions()).isZero();
        assertThat(t.backend(0).isOpen()).isFalse();
        t.backend(0).completeConnect();
        client.runPendingTasks();
        assertThat(t.server("127.0.0.1:9001").sessions()).as("released once").isZero();
    }
}
