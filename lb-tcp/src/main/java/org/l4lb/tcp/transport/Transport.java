package org.l4lb.tcp.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import org.l4lb.core.config.TransportKind;

/**
 * The I/O transport: Netty's native epoll on Linux, NIO elsewhere, or io_uring when asked for, with
 * the same behaviour. Only epoll can splice; NIO cannot reach Unix domain sockets.
 */
public final class Transport {

    private enum Kind { EPOLL, IO_URING, NIO }

    private final Kind kind;
    private final IoHandlerFactory ioHandlers;
    private final String fallbackCause;

    private Transport(Kind kind, IoHandlerFactory ioHandlers, String fallbackCause) {
        this.kind = kind;
        this.ioHandlers = ioHandlers;
        this.fallbackCause = fallbackCause;
    }

    /** The transport {@code wanted} names; throws, saying why, if this machine cannot give it. */
    public static Transport of(TransportKind wanted) {
        return switch (wanted) {
            case AUTO -> Epoll.isAvailable() ? epoll() : new Transport(Kind.NIO, NioIoHandler.newFactory(),
                    String.valueOf(Epoll.unavailabilityCause()));
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport = epoll, but epoll is unavailable here: " + Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new IllegalStateException("transport = io-uring, but io_uring is unavailable here (it needs Linux 5.9+, "
                            + "kernel.io_uring_disabled = 0, and in a container a seccomp profile that allows it): "
                            + IoUring.unavailabilityCause());
                }
                yield new Transport(Kind.IO_URING, IoUringIoHandler.newFactory(), "");
            }
            case NIO -> new Transport(Kind.NIO, NioIoHandler.newFactory(), "");
        };
    }

    private static Transport epoll() {
        return new Transport(Kind.EPOLL, EpollIoHandler.newFactory(), "");
    }

    /** As the start-up line and /status name it: epoll, io_uring or nio. */
    public String name() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** Why epoll was not taken when it was left to us; empty otherwise. */
    public String fallbackCause() {
        return fallbackCause;
    }

    /** Whether the relay can splice(2): only Netty's epoll channels can. */
    public boolean splice() {
        return kind == Kind.EPOLL;
    }

    /** Whether servers and checks can reach Unix domain sockets. */
    public boolean domainSockets() {
        return kind != Kind.NIO;
    }

    /**
     * The option that lets each event loop bind its own listening socket to one address
     * (SO_REUSEPORT); null where the transport has none (NIO).
     */
    public ChannelOption<Boolean> reusePort() {
        return switch (kind) {
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            case NIO -> null;
        };
    }

    /**
     * A new unregistered channel to reach {@code target}: on epoll an IPv4 socket for an IPv4
     * address (its default is a dual-stack IPv6 socket, a longer way through the kernel and one more
     * setsockopt per connection; Netty 4.2.17's io_uring channel offers no choice).
     */
    public Channel newSocketChannel(SocketAddress target) {
        boolean unix = target instanceof DomainSocketAddress;
        return switch (kind) {
            case EPOLL -> unix ? new EpollDomainSocketChannel()
                    : ipv4(target) ? new EpollSocketChannel(SocketProtocolFamily.INET) : new EpollSocketChannel();
            case IO_URING -> unix ? new IoUringDomainSocketChannel() : new IoUringSocketChannel();
            case NIO -> new NioSocketChannel();
        };
    }

    /** The listening channel for {@code local}: IPv4 for an IPv4 address, as {@link #newSocketChannel}. */
    public ChannelFactory<ServerChannel> serverChannelFactory(SocketAddress local) {
        return switch (kind) {
            case EPOLL -> ipv4(local) ? () -> new EpollServerSocketChannel(SocketProtocolFamily.INET) : EpollServerSocketChannel::new;
            case IO_URING -> IoUringServerSocketChannel::new;
            case NIO -> NioServerSocketChannel::new;
        };
    }

    private static boolean ipv4(SocketAddress a) {
        return a instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet4Address;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlers);
    }
}
