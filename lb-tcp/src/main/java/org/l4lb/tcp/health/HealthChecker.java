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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.HealthCheckType;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.transport.Transport;

/**
 * Active health checks of one service's servers, on their own event loop (off the data path):
 * every interval a TCP connect, or connect + send + expect a reply that starts with given bytes;
 * each result feeds the server's rise/fall state.
 */
public final class HealthChecker {

    private final Upstream upstream;
    private final HealthCheckConfig config;
    private final EventLoopGroup group;
    private final Transport transport;
    private final Function<ServerState, SocketAddress> addresses;
    private final byte[] send;
    private final byte[] expect;
    private volatile boolean stopped;

    public HealthChecker(Upstream upstream, EventLoopGroup group, Transport transport,
            Function<ServerState, SocketAddress> addresses) {
        this.upstream = upstream;
        this.config = upstream.config().healthCheck();
        this.group = group;
        this.transport = transport;
        this.addresses = addresses;
        this.send = config.send().getBytes(StandardCharsets.UTF_8);
        this.expect = config.expect().getBytes(StandardCharsets.UTF_8);
    }

    public void start() {
        if (config.type() == HealthCheckType.NONE) {
            return;
        }
        long interval = config.interval().toNanos();
        for (ServerState s : upstream.servers()) {
            // Spread the first checks over one interval so servers are not probed in bursts.
            long first = ThreadLocalRandom.current().nextLong(Math.max(1, interval));
            group.next().schedule(() -> check(s), first, TimeUnit.NANOSECONDS);
        }
    }

    public void stop() {
        stopped = true;
    }

    private void check(ServerState s) {
        if (stopped) {
            return;
        }
        probe(s).addListener(f -> {
            String detail = f.isSuccess() ? "check passed" : "check failed: " + f.cause().getMessage();
            s.checkResult(f.isSuccess(), upstream.ticker().nanos(), detail);
            if (!stopped) {
                group.next().schedule(() -> check(s), config.interval().toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    private Promise<Void> probe(ServerState s) {
        Promise<Void> result = group.next().newPromise();
        SocketAddress address = addresses.apply(s);
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
                ch.close();
            }
        }, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
            } else if (config.type() == HealthCheckType.TCP) {
                result.trySuccess(null);
                f.channel().close();
            } else if (send.length > 0) {
                f.channel().writeAndFlush(Unpooled.wrappedBuffer(send));
            }
        });
        return result;
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
                ctx.close();
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
            ctx.close();
        }
    }
}
