package org.l4lb.tcp.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The I/O transport: Netty's native epoll on Linux, NIO elsewhere, with the same behaviour.
 * Only epoll can splice and reach Unix domain sockets.
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlers,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends Channel> domainSocketChannel) {

    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollDomainSocketChannel.class);
        }
        return nio();
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, null);
    }

    public boolean epoll() {
        return domainSocketChannel != null;
    }

    /** Why epoll is not in use, for the start-up summary. */
    public static String unavailabilityCause() {
        return Epoll.isAvailable() ? "" : String.valueOf(Epoll.unavailabilityCause());
    }

    /**
     * A new unregistered channel to reach {@code target}: an IPv4 socket for an IPv4 address (on
     * epoll the default is a dual-stack IPv6 socket, a longer way through the kernel and one more
     * setsockopt per connection).
     */
    public Channel newSocketChannel(SocketAddress target) {
        if (target instanceof DomainSocketAddress && epoll()) {
            return new EpollDomainSocketChannel();
        }
        if (epoll()) {
            return ipv4(target) ? new EpollSocketChannel(SocketProtocolFamily.INET) : new EpollSocketChannel();
        }
        return new NioSocketChannel();
    }

    /** The listening channel for {@code local}: IPv4 for an IPv4 address, as {@link #newSocketChannel}. */
    public ChannelFactory<ServerChannel> serverChannelFactory(SocketAddress local) {
        if (epoll()) {
            return ipv4(local) ? () -> new EpollServerSocketChannel(SocketProtocolFamily.INET) : EpollServerSocketChannel::new;
        }
        return NioServerSocketChannel::new;
    }

    private static boolean ipv4(SocketAddress a) {
        return a instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet4Address;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlers);
    }
}
