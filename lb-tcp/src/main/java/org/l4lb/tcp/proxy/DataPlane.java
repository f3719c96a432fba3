package org.l4lb.tcp.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.InetLiteral;
import org.l4lb.tcp.transport.Transport;

/** The listeners of all services, on shared event loops, and the sessions they open. */
public final class DataPlane {

    /**
     * Per-direction outbound buffer bounds. Reading stops above the high mark, so a session never
     * holds much more than this in user space however slow its reader.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final SessionRegistry sessions = new SessionRegistry();
    private final Connector connector;
    private final List<Channel> listeners = new ArrayList<>();
    private final boolean splice;

    public DataPlane(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, boolean splice) {
        this.splice = splice;
        this.transport = transport;
        this.acceptors = acceptors;
        this.workers = workers;
        this.connector = new Connector(transport, WATER_MARK);
    }

    public boolean splice() {
        return splice;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** Binds every listen address of the service; throws if one cannot be bound. */
    public void listen(Service service) throws InterruptedException {
        SessionOptions options = SessionOptions.of(service.config(), splice);
        for (HostPort hp : service.config().listen()) {
            if (transport.reusePort() != null) {
                // One listening socket per event loop (SO_REUSEPORT): the kernel spreads new
                // connections over them, and each is accepted, proxied and connected onward on one
                // thread, with no hand-off from an acceptor thread.
                for (EventExecutor e : workers) {
                    EventLoop loop = (EventLoop) e;
                    InetSocketAddress local = socketAddress(hp);
                    listeners.add(bind(service, hp, bootstrap(service, options, loop, loop, local)
                            .option(transport.reusePort(), true), local));
                }
            } else {
                InetSocketAddress local = socketAddress(hp);
                listeners.add(bind(service, hp, bootstrap(service, options, acceptors, workers, local), local));
            }
        }
    }

    /** Binds, or says which service and address could not be, and what usually is the matter. */
    private static Channel bind(Service service, HostPort hp, ServerBootstrap b, InetSocketAddress local) throws InterruptedException {
        try {
            return b.bind(local).sync().channel();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Netty's native errors read "bind(..) failed with error(-99): Cannot assign requested
            // address", naming neither the service nor the address.
            String why = String.valueOf(e.getMessage());
            String hint = why.contains("Cannot assign requested address")
                    ? " (not an address of this host: to listen on a VIP this node may not hold, listen on "
                            + "0.0.0.0:" + hp.port() + ", as the flow handoff needs, or set net.ipv4.ip_nonlocal_bind = 1)"
                    : why.contains("Address already in use") ? " (another process listens there)" : "";
            throw new IllegalStateException("service " + service.name() + ": cannot listen on " + hp.text() + ": " + why + hint, e);
        }
    }

    private ServerBootstrap bootstrap(Service service, SessionOptions options, EventLoopGroup parent, EventLoopGroup children,
            InetSocketAddress local) {
        // TCP_NODELAY is the transports' default: setting it again cost a setsockopt per session.
        return new ServerBootstrap().group(parent, children).channelFactory(transport.serverChannelFactory(local))
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // A client is read from the start, while its server connection is being made: what it
                // sends first (an HTTP request, a TLS hello) is in hand when the connection is up
                // and goes out at once, as HAProxy and nginx do. Session.holdEarly bounds it.
                .childOption(ChannelOption.AUTO_READ, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(EpollRegistrationPin.OnAccept.INSTANCE)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Session session = new Session(service, ch, options);
                        // Before the first read: the transport caches the handle it makes.
                        ch.config().setRecvByteBufAllocator(new CountingAllocator(session, true));
                        if (options.acceptProxy()) {
                            ch.pipeline().addLast(new HAProxyMessageDecoder());
                        }
                        ch.pipeline().addLast(Frontend.NAME, new Frontend(session, connector, sessions));
                    }
                });
    }

    static InetSocketAddress socketAddress(HostPort hp) {
        String h = hp.host();
        if (InetLiteral.isIpv4(h) || InetLiteral.isIpv6(h)) {
            return new InetSocketAddress(InetLiteral.parse(h), hp.port());
        }
        return new InetSocketAddress(h, hp.port());
    }

    public List<Channel> listeners() {
        return List.copyOf(listeners);
    }

    /** Stops accepting; open sessions go on. */
    public void stopAccepting() {
        for (Channel ch : listeners) {
            ch.close().syncUninterruptibly();
        }
    }
}
