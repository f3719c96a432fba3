package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;

/** What the kernel's TCP_INFO says of one channel's connection. */
final class TcpState {

    /** tcp_states.h: a connection that ended, as a reset leaves it. */
    private static final int TCP_CLOSE = 7;

    /** One per event loop: read on every session's first FIN. */
    private static final FastThreadLocal<EpollTcpInfo> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected EpollTcpInfo initialValue() {
            return new EpollTcpInfo();
        }
    };

    private final EpollSocketChannel socket;
    private final EpollTcpInfo info;

    private TcpState(EpollSocketChannel socket, EpollTcpInfo info) {
        this.socket = socket;
        this.info = info;
    }

    /**
     * The state of {@code ch}'s socket, or null where there is no TCP_INFO to read. io_uring's
     * channel offers none: an epoll channel object made on its descriptor (never registered, never
     * closed) reads it, as a getsockopt on the same socket.
     */
    static TcpState of(Channel ch) {
        return of(ch, new EpollTcpInfo());
    }

    private static TcpState of(Channel ch, EpollTcpInfo info) {
        if (ch instanceof EpollSocketChannel e) {
            return new TcpState(e, info);
        }
        if (ch instanceof IoUringSocketChannel uring && Epoll.isAvailable()) {
            return new TcpState(new EpollSocketChannel(uring.fd().intValue()), info);
        }
        return null;
    }

    /** Whether the connection is gone (reset) while the channel is still open. On its event loop. */
    static boolean reset(Channel ch) {
        if (!ch.isOpen()) {
            return false;
        }
        if (ch instanceof EpollSocketChannel e) {
            return e.tcpInfo(SCRATCH.get()).state() == TCP_CLOSE;
        }
        TcpState s = of(ch);
        return s != null && s.read().state() == TCP_CLOSE;
    }

    /** Whether the kernel holds no byte sent but not yet acknowledged. */
    boolean allAcknowledged() {
        return read().unacked() == 0;
    }

    private EpollTcpInfo read() {
        return socket.tcpInfo(info);
    }
}
