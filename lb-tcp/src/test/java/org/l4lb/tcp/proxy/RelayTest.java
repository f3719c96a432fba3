package org.l4lb.tcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.l4lb.tcp.proxy.FrontendTest.concat;
import static org.l4lb.tcp.proxy.FrontendTest.random;

import io.netty.buffer.Unpooled;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A connected session's relay, on in-memory channels: bytes, back-pressure and each way a session ends. */
class RelayTest {

    @TempDir
    Path dir;
    private Sessions t;
    private TestChannel client;
    private TestChannel backend;
    private Session s;

    @BeforeEach
    void connected() throws Exception {
        t = new Sessions(dir, "servers = [\"127.0.0.1:9001\"]");
        client = TestChannel.accepted("127.0.0.1", 50000);
        s = t.accept(client);
        backend = t.backend(0);
        assertThat(s.phase()).isEqualTo(Session.Phase.RELAYING);
    }

    @Test
    void bytesGoBothWaysUnchangedAndInOrder() {
        byte[] up1 = random(40_000);
        byte[] down1 = random(100_000);
        byte[] up2 = random(7);
        byte[] down2 = random(65_536);
        client.writeInbound(Unpooled.wrappedBuffer(up1));
        backend.writeInbound(Unpooled.wrappedBuffer(down1));
        client.writeInbound(Unpooled.wrappedBuffer(up2));
        backend.writeInbound(Unpooled.wrappedBuffer(down2));

        assertThat(backend.written()).isEqualTo(concat(up1, up2));
        assertThat(client.written()).isEqualTo(concat(down1, down2));
    }

    @Test
    void aClientThatTakesNothingStopsTheServerBeingReadUntilItDrains() {
        client.stall(true);
        byte[] down = random(300_000);
        backend.writeInbound(Unpooled.wrappedBuffer(down));
        assertThat(client.isWritable()).isFalse();
        assertThat(backend.config().isAutoRead()).as("past the high-water mark the server is not read").isFalse();

        client.stall(false);
        client.flush();

        assertThat(client.isWritable()).isTrue();
        assertThat(backend.config().isAutoRead()).as("read again once the client drained").isTrue();
        assertThat(client.written()).isEqualTo(down);
    }

    @Test
    void oneFinKeepsTheOtherWayOpenAndBothEndTheSessionInOrder() {
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(s.client().finished()).isTrue();
        assertThat(s.ended()).isFalse();
        byte[] down = random(50_000);
        backend.writeInbound(Unpooled.wrappedBuffer(down));
        assertThat(client.written()).as("the other way still carries bytes").isEqualTo(down);

        backend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(s.end()).as("ended as the side that closed first ended it").isEqualTo(SessionEnd.CLIENT_CLOSED);
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.isOpen()).isFalse();
        assertThat(t.server("127.0.0.1:9001").sessions()).isZero();
        assertThat(t.service.ends(SessionEnd.CLIENT_CLOSED)).isEqualTo(1);
    }

    @Test
    void aServerErrorEndsTheSessionAsAServerReset() {
        backend.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        client.runPendingTasks();

        assertThat(s.end()).isEqualTo(SessionEnd.SERVER_RESET);
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.isOpen()).isFalse();
        assertThat(t.service.admission().active()).isZero();
    }

    @Test
    void aClosedClientEndsTheSessionOnceAndClosesTheServerSide() {
        client.close();
        client.runPendingTasks();
        backend.close();

        assertThat(s.end()).isEqualTo(SessionEnd.CLIENT_CLOSED);
        assertThat(backend.isOpen()).isFalse();
        assertThat(t.service.ends(SessionEnd.CLIENT_CLOSED)).isEqualTo(1);
        assertThat(t.service.ends(SessionEnd.SERVER_CLOSED)).isZero();
        assertThat(t.server("127.0.0.1:9001").sessions()).isZero();
    }
}
