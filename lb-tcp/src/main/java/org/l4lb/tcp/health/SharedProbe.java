package org.l4lb.tcp.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Promise;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.HealthCheckType;
import org.l4lb.core.time.Ticker;
import org.l4lb.core.upstream.ServerState;

/**
 * One server address checked every interval for all the services that list it: a TCP connect, or
 * connect + send + expect a reply that starts with given bytes. Each result feeds every watcher's
 * rise/fall state.
 *
 * <p>As quiet as a check can be and still work: it closes with a reset, as HAProxy's checks do, so
 * neither side keeps a TIME_WAIT socket; and a TCP check is not sent while sessions connect to the
 * server, since each such connect is that check passing.
 */
final class SharedProbe {

    /** One service's view of the server: its state to feed, and how it reaches it. */
    record Watcher(ServerState server, Ticker ticker, Function<ServerState, SocketAddress> addresses) {
    }

    private final HealthCheckConfig config;
    private final EventLoopGroup group;
    private final org.l4lb.tcp.transport.Transport transport;
    private final BiPredicate<Object, SharedProbe> forget;
    private final Object key;
    private final byte[] send;
    private final byte[] expect;
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private boolean started;
    /** The watchers' successful connects at the last check, to see whether sessions connected since. */
    private long connectsSeen = -1;

    SharedProbe(HealthCheckConfig config, EventLoopGroup group, org.l4lb.tcp.transport.Transport transport,
            BiPredicate<Object, SharedProbe> forget, Object key) {
        this.config = config;
        this.group = group;
        this.transport = transport;
        this.forget = forget;
        this.key = key;
        this.send = config.send().getBytes(StandardCharsets.UTF_8);
        this.expect = config.expect().getBytes(StandardCharsets.UTF_8);
    }

    /** Called under the registry's lock, as are remove and idle. */
    void add(Watcher w) {
        watchers.add(w);
        if (!started) {
            started = true;
            // Spread the first checks over one interval so servers are not probed in bursts.
            long interval = config.interval().toNanos();
            group.next().schedule(this::check, ThreadLocalRandom.current().nextLong(Math.max(1, interval)), TimeUnit.NANOSECONDS);
        }
    }

    void remove(Watcher w) {
        watchers.remove(w);
    }

    boolean idle() {
        return watchers.isEmpty();
    }

    private void check() {
        if (watchers.isEmpty() && forget.test(key, this)) {
            return;
        }
        if (config.type() == HealthCheckType.TCP && sessionsConnected()) {
            report(true, "sessions connect");
            next();
            return;
        }
        Watcher first = watchers.isEmpty() ? null : watchers.get(0);
        if (first == null) {
            next();
            return;
        }
        probe(first.addresses().apply(first.server())).addListener(f -> {
            report(f.isSuccess(), f.isSuccess() ? "check passed" : "check failed: " + f.cause().getMessage());
            next();
        });
    }

    /** Whether a session connected to the server since the last check while every watcher had it up. */
    private boolean sessionsConnected() {
        long connects = 0;
        boolean allUp = true;
        for (Watcher w : watchers) {
            connects += w.server().connects();
            allUp &= w.server().activeUp();
        }
        boolean connected = connectsSeen >= 0 && connects > connectsSeen;
        connectsSeen = connects;
        return allUp && connected;
    }

    private void report(boolean success, String detail) {
        for (Watcher w : watchers) {
            w.server().checkResult(success, w.ticker().nanos(), detail);
        }
    }

    private void next() {
        group.next().schedule(this::check, config.interval().toNanos(), TimeUnit.NANOSECONDS);
    }

    private Promise<Void> probe(SocketAddress address) {
        Promise<Void> result = group.next().newPromise();
        if (address == null) {
            result.tryFailure(new IllegalStateException("no address"));
            return result;
        }
        // The same kind of socket the data plane opens to this server.
        Bootstrap b = new Bootstrap().group(group).channelFactory(() -> transport.newSocketChannel(address))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.timeout().toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (config.type() == HealthCheckType.SEND_EXPECT) {
                            ch.pipeline().addLast(new ExpectHandler(result));
                        }
                    }
                });
        ChannelFuture connect = b.connect(address);
        Channel ch = connect.channel();
        ch.eventLoop().schedule(() -> {
            if (result.tryFailure(new java.util.concurrent.TimeoutException("no answer in " + config.timeout().toMillis() + "ms"))) {
                reset(ch);
            }
        }, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
            } else if (config.type() == HealthCheckType.TCP) {
                result.trySuccess(null);
                reset(f.channel());
            } else if (send.length > 0) {
                f.channel().writeAndFlush(Unpooled.wrappedBuffer(send));
            }
        });
        return result;
    }

    /** Closes with a RST: no TIME_WAIT on either side for a connection that carried nothing. */
    private static void reset(Channel ch) {
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException unixSocket) {
            // a Unix domain socket has no reset; it closes plainly
        }
        ch.close();
    }

    /** Collects the reply until it is as long as the expected bytes, then compares. */
    private final class ExpectHandler extends SimpleChannelInboundHandler<ByteBuf> {

        private final Promise<Void> result;
        private final ByteBuf received = Unpooled.buffer();

        ExpectHandler(Promise<Void> result) {
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            received.writeBytes(msg);
            if (received.readableBytes() >= expect.length) {
                boolean match = received.slice(0, expect.length).equals(Unpooled.wrappedBuffer(expect));
                if (match) {
                    result.trySuccess(null);
                } else {
                    result.tryFailure(new IllegalStateException("reply did not start with the expected bytes"));
                }
                reset(ctx.channel());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.tryFailure(new IllegalStateException("closed after " + received.readableBytes() + " byte(s) of the reply"));
            received.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.tryFailure(cause);
            reset(ctx.channel());
        }
    }
}
