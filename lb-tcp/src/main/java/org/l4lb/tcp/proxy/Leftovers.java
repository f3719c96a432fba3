package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes a socket's kernel still holds once its side sent its FIN or its reset, read at once
 * and queued for the other side behind what is already on its way. Nothing more can arrive then,
 * so a read never waits and the copy ends after at most one receive buffer's worth.
 */
final class Leftovers {

    private static final int CHUNK = 64 * 1024;

    private Leftovers() {
    }

    /**
     * Whether {@link #passOn} can read {@code source}'s socket directly: on epoll, which reads only
     * when asked. io_uring may hold a completed read not yet handed over, and bytes read past it
     * would reach the peer out of order.
     */
    static boolean readable(Channel source) {
        return source instanceof AbstractEpollStreamChannel && source.isOpen();
    }

    /** Reads what {@code from}'s socket still holds and queues it, unflushed, for its peer. */
    static void passOn(Session s, Side from) {
        Channel source = from.channel();
        Channel peer = from.peer().channel();
        FileDescriptor fd = ((UnixChannel) source).fd();
        while (true) {
            ByteBuf buf = source.alloc().directBuffer(CHUNK);
            int n;
            try {
                ByteBuffer nio = buf.internalNioBuffer(0, CHUNK);
                n = fd.read(nio, nio.position(), nio.limit());
            } catch (IOException e) {
                buf.release();
                return;
            }
            if (n <= 0) {
                buf.release();
                return;
            }
            buf.writerIndex(n);
            s.transferred(from, n);
            peer.write(buf, peer.voidPromise());
        }
    }
}
