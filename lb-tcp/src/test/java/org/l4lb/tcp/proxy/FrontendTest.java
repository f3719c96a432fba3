package org.l4lb.tcp.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l4lb.tcp.admission.Refusal;

/** The first handler of a client, on in-memory channels: what it holds, refuses and hands on. */
class FrontendTest {

    /** One server, clients that come through a proxy on this host. */
    private static final String BEHIND_A_PROXY = "servers = [\"127.0.0.1:9001\"]\n accept-proxy = true\n"
            + " accept-proxy-from = [\"127.0.0.1\"]";
    private static final byte[] HEADER = "PROXY TCP4 192.0.2.7 198.51.100.1 5555 443\r\n".getBytes(US_ASCII);

    @TempDir
    Path dir;

    @Test
    void whatAClientSendsWhileItsServerConnectsGoesOutFirstAndInOrder() throws Exception {
        Sessions t = new Sessions(dir, "servers = [\"127.0.0.1:9001\"]", Map.of(9001, TestChannel.Connect.HANGS));
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client);
        byte[] first = random(3000);
        byte[] second = random(70_000);
        client.writeInbound(Unpooled.wrappedBuffer(first));
        client.writeInbound(Unpooled.wrappedBuffer(second));
        TestChannel backend = t.backend(0);
        assertThat(s.phase()).isEqualTo(Session.Phase.CONNECTING);
        assertThat(backend.written()).as("nothing goes out before the connect is done").isEmpty();

        backend.completeConnect();
        client.runPendingTasks();
        byte[] third = random(5000);
        client.writeInbound(Unpooled.wrappedBuffer(third));

        assertThat(s.phase()).isEqualTo(Session.Phase.RELAYING);
        assertThat(backend.written()).isEqualTo(concat(first, second, third));
        assertThat(client.pipeline().get(Frontend.NAME)).as("the Frontend gives way to the relay").isNull();
        assertThat(client.pipeline().get(Relay.NAME)).isInstanceOf(Relay.class);
        assertThat(backend.pipeline().get(Relay.NAME)).isInstanceOf(Relay.class);
    }

    @Test
    void aDeniedClientIsClosedAndCountedAndTakesNoServer() throws Exception {
        Sessions t = new Sessions(dir, "servers = [\"127.0.0.1:9001\"]\n deny = [\"127.0.0.0/8\"]");
        TestChannel client = TestChannel.accepted("127.0.0.5", 50000);
        Session s = t.accept(client);

        assertThat(client.isOpen()).isFalse();
        assertThat(s.end()).isEqualTo(SessionEnd.REFUSED);
        assertThat(t.service.refusals(Refusal.DENIED)).isEqualTo(1);
        assertThat(t.backends).isEmpty();
        assertThat(t.service.admission().active()).isZero();
    }

    @Test
    void aProxyHeaderGivesTheAddressThatTheServerIsToldOf() throws Exception {
        Sessions t = new Sessions(dir, BEHIND_A_PROXY + "\n proxy-protocol = v1");
        TestChannel client = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(client, new HAProxyMessageDecoder());
        byte[] payload = random(10_000);
        client.writeInbound(Unpooled.wrappedBuffer(concat(HEADER, payload)));

        assertThat(s.clientAddress().getAddress().getHostAddress()).isEqualTo("192.0.2.7");
        assertThat(s.clientAddress().getPort()).isEqualTo(5555);
        assertThat(t.backend(0).written()).isEqualTo(concat(HEADER, payload));
    }

    @Test
    void aClientWithoutItsHeaderInTimeIsEndedAndItsPlaceGoesBack() throws Exception {
        Sessions t = new Sessions(dir, BEHIND_A_PROXY + "\n accept-proxy-timeout = 5s\n max-connections = 1");
        TestChannel silent = TestChannel.accepted("127.0.0.1", 50000);
        Session s = t.accept(silent, new HAProxyMessageDecoder());
        silent.freezeTime();
        TestChannel next = TestChannel.accepted("127.0.0.1", 50001);
        assertThat(t.accept(next, new HAProxyMessageDecoder()).end())
                .as("the silent client holds the only place").isEqualTo(SessionEnd.REFUSED);

        silent.advanceTimeBy(4, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();
        assertThat(s.ended()).isFalse();
        silent.advanceTimeBy(1, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();

        assertThat(s.end()).isEqualTo(SessionEnd.PROXY_HEADER_TIMEOUT);
        assertThat(silent.isOpen()).isFalse();
        TestChannel after = TestChannel.accepted("127.0.0.1", 50002);
        Session third = t.accept(after, new HAProxyMessageDecoder());
        assertThat(third.ended()).as("its place went back").isFalse();
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
