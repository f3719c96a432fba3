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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.net.InetLiteral;
import org.l4lb.tcp.proxyprotocol.BareLineFeedCheck;
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
    /** Service -> listen address -> its listening sockets (one per event loop with SO_REUSEPORT). */
    private final Map<Service, Map<HostPort, List<Channel>>> listeners = new ConcurrentHashMap<>();
    private final boolean splice;
    private final EarlyDataBudget earlyData;

    public DataPlane(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, boolean splice,
            EarlyDataBudget earlyData) {
        this.splice = splice;
        this.earlyData = earlyData;
        this.transport = transport;
        this.acceptors = acceptors;
        this.workers = workers;
        this.connector = new Connector(transport::newSocketChannel, WATER_MARK);
    }

    public boolean splice() {
        return splice;
    }

    public EarlyDataBudget earlyData() {
        return earlyData;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** Binds every listen address of the service; throws if one cannot be bound, having closed what it bound. */
    public void listen(Service service) throws InterruptedException {
        List<HostPort> bound = new ArrayList<>();
        try {
            for (HostPort hp : service.config().listen()) {
                listen(service, hp);
                bound.add(hp);
            }
        } catch (InterruptedException | RuntimeException e) {
            bound.forEach(hp -> unlisten(service, hp));
            throw e;
        }
    }

    /** Binds one listen address of the service; throws if it cannot be bound, having closed what it bound. */
    public void listen(Service service, HostPort hp) throws InterruptedException {
        if (service.config().forwarding().kernel()) {
            return; // the kernel forwards its packets (nftables NAT): no socket of ours
        }
        List<Channel> channels = new ArrayList<>();
        try {
            if (transport.reusePort() != null) {
                if (!ownsPort(hp.port())) {
                    refuseIfTaken(service, hp, socketAddress(hp));
                }
                // One listening socket per event loop (SO_REUSEPORT): the kernel spreads new
                // connections over them, and each is accepted, proxied and connected onward on one
                // thread, with no hand-off from an acceptor thread.
                for (EventExecutor e : workers) {
                    EventLoop loop = (EventLoop) e;
                    InetSocketAddress local = socketAddress(hp);
                    channels.add(bind(service, hp, bootstrap(service, loop, loop, local)
                            .option(transport.reusePort(), true), local));
                }
            } else {
                InetSocketAddress local = socketAddress(hp);
                channels.add(bind(service, hp, bootstrap(service, acceptors, workers, local), local));
            }
        } catch (InterruptedException | RuntimeException e) {
            channels.forEach(ch -> ch.close().syncUninterruptibly());
            throw e;
        }
        listeners.computeIfAbsent(service, k -> new ConcurrentHashMap<>()).put(hp, channels);
    }

    /** Stops accepting on one listen address of the service; its open sessions go on. */
    public void unlisten(Service service, HostPort hp) {
        Map<HostPort, List<Channel>> of = listeners.get(service);
        List<Channel> channels = of == null ? null : of.remove(hp);
        if (channels != null) {
            channels.forEach(ch -> ch.close().syncUninterruptibly());
        }
    }

    /** Stops accepting for the service; its open sessions go on. */
    public void unlisten(Service service) {
        Map<HostPort, List<Channel>> of = listeners.remove(service);
        if (of != null) {
            of.values().forEach(channels -> channels.forEach(ch -> ch.close().syncUninterruptibly()));
        }
    }

    /** The addresses the service listens on now. */
    public java.util.Set<HostPort> listening(Service service) {
        Map<HostPort, List<Channel>> of = listeners.get(service);
        return of == null ? java.util.Set.of() : java.util.Set.copyOf(of.keySet());
    }

    /** Whether this node listens on the port already, for any service (a reload moves addresses between them). */
    private boolean ownsPort(int port) {
        return listeners.values().stream().flatMap(m -> m.keySet().stream()).anyMatch(hp -> hp.port() == port);
    }

    /**
     * SO_REUSEPORT lets any process of the same user bind a port that is listened on already, and
     * the kernel then splits the connections between them: a second node started by mistake on the
     * same ports would take half of the clients and say nothing. A bind without it fails when
     * another process listens there, so one is tried first, and closed at once.
     */
    private static void refuseIfTaken(Service service, HostPort hp, InetSocketAddress local) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(local, 1);
        } catch (java.io.IOException e) {
            if (String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw cannotListen(service, hp, e);
            }
            // Anything else (an address this host lacks) the real bind reports, with its hint.
        }
    }

    /** Binds, or says which service and address could not be ({@link #cannotListen}). */
    private static Channel bind(Service service, HostPort hp, ServerBootstrap b, InetSocketAddress local) throws InterruptedException {
        try {
            return b.bind(local).sync().channel();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw cannotListen(service, hp, e);
        }
    }

    /** Names the service and address a bind failed for, and what usually is the matter. */
    private static IllegalStateException cannotListen(Service service, HostPort hp, Exception e) {
        // Netty's native errors read "bind(..) failed with error(-99): Cannot assign requested
        // address", naming neither the service nor the address.
        String why = String.valueOf(e.getMessage());
        String hint = why.contains("Cannot assign requested address")
                ? " (not an address of this host: to listen on a VIP this node may not hold, listen on "
                        + "0.0.0.0:" + hp.port() + ", as the flow handoff needs, or set net.ipv4.ip_nonlocal_bind = 1)"
                : why.contains("Address already in use") ? " (another process listens there)" : "";
        return new IllegalStateException("service " + service.name() + ": cannot listen on " + hp.text() + ": " + why + hint, e);
    }

    private ServerBootstrap bootstrap(Service service, EventLoopGroup parent, EventLoopGroup children,
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
                // As for the server side (Connector): a failed write leaves the client's last bytes readable.
                .childOption(ChannelOption.AUTO_CLOSE, false)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, MemorySizeEstimator.INSTANCE)
                .handler(EpollRegistrationPin.OnAccept.INSTANCE)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SessionOptions options = service.options();
                        Session session = new Session(service, ch, options);
                        // Before the first read: the transport caches the handle it makes.
                        ch.config().setRecvByteBufAllocator(new CountingAllocator(session, session.client()));
                        if (options.acceptProxy()) {
                            ch.pipeline().addLast(new BareLineFeedCheck());
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
        List<Channel> all = new ArrayList<>();
        listeners.values().forEach(of -> of.values().forEach(all::addAll));
        return all;
    }

    /** Stops accepting; open sessions go on. */
    public void stopAccepting() {
        for (Service s : List.copyOf(listeners.keySet())) {
            unlisten(s);
        }
    }
}
