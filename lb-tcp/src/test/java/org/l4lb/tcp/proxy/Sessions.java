package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.time.Ticker;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;

/**
 * A service from a configuration text and sessions of it on in-memory channels: the data path's
 * own objects (Session, Frontend, Connector, Relay) with nothing faked but the sockets.
 */
final class Sessions {

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);

    final Service service;
    final SessionRegistry registry = new SessionRegistry();
    /** The channels the connector made, in order. */
    final List<TestChannel> backends = new ArrayList<>();
    private final Map<Integer, TestChannel.Connect> connects;
    private final Connector connector;

    /**
     * A service "t" with {@code body} added to its block; a server whose port {@code connects}
     * names does that with each connect, the others accept.
     */
    Sessions(Path dir, String body, Map<Integer, TestChannel.Connect> connects) throws Exception {
        Path file = dir.resolve("lb.conf");
        Files.writeString(file, "services { t {\n listen = [\"127.0.0.1:18999\"]\n health-check { type = none }\n"
                + body + "\n} }\n");
        ServiceConfig sc = ConfigLoader.load(file).services().get(0);
        this.service = new Service(sc, Upstream.create(sc, Ticker.SYSTEM, (s, change, reason) -> { }),
                new AtomicInteger(), 0, false, false, new EarlyDataBudget(1 << 20));
        this.connects = connects;
        this.connector = new Connector(this::newBackend, WATER_MARK);
    }

    Sessions(Path dir, String body) throws Exception {
        this(dir, body, Map.of());
    }

    private Channel newBackend(SocketAddress target) {
        int port = ((InetSocketAddress) target).getPort();
        TestChannel ch = TestChannel.toServer(target, connects.getOrDefault(port, TestChannel.Connect.ACCEPTS));
        backends.add(ch);
        return ch;
    }

    /**
     * A client accepted as the listener accepts one: its session, counting allocator and Frontend
     * (after {@code first}, the PROXY header's decoders), then active.
     */
    Session accept(TestChannel client, ChannelHandler... first) throws Exception {
        client.config().setWriteBufferWaterMark(WATER_MARK);
        client.config().setAutoClose(false);
        Session s = new Session(service, client, service.options());
        client.config().setRecvByteBufAllocator(new CountingAllocator(s, s.client()));
        client.pipeline().addLast(first);
        client.pipeline().addLast(Frontend.NAME, new Frontend(s, connector, registry));
        client.register();
        client.runPendingTasks();
        return s;
    }

    TestChannel backend(int i) {
        return backends.get(i);
    }

    ServerState server(String name) {
        return service.upstream().server(name).orElseThrow();
    }
}
