package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Relays a session with splice(2): bytes go socket -> pipe -> socket inside the kernel and never
 * enter the pipeline. Back-pressure is the pipe's: while the other side cannot take more, the
 * splice in waits.
 *
 * <p>Netty's {@code spliceTo} shuts a socket's input as soon as the FIN is seen, even when bytes
 * are still queued in the kernel behind a full pipe; they would be lost and the close would reset.
 * So when a spliced side sends its FIN, {@link #drain} copies what is left in that socket at once,
 * queued behind the splices already on their way, and the FIN is passed on after all of it.
 * {@link EpollRegistrationPin} keeps that socket in epoll after its FIN. FIN, reset and close
 * otherwise go through the same {@link Relay} handlers as the buffer relay;
 * {@link CountingAllocator} counts the spliced bytes.
 */
final class EpollSplicer {

    private static final int DRAIN_CHUNK = 64 * 1024;

    private EpollSplicer() {
    }

    static boolean canSplice(Channel client, Channel backend) {
        return client instanceof AbstractEpollStreamChannel && backend instanceof AbstractEpollStreamChannel;
    }

    @SuppressWarnings("deprecation") // spliceTo is deprecated in Netty 4.2, and still its only zero-copy relay
    static void start(Session s) {
        AbstractEpollStreamChannel client = (AbstractEpollStreamChannel) s.client;
        AbstractEpollStreamChannel backend = (AbstractEpollStreamChannel) s.backend;
        // spliceTo needs level-triggered epoll, the only mode Netty 4.2 has (EPOLL_MODE is a no-op).
        s.spliced = true;
        client.spliceTo(backend, Integer.MAX_VALUE).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && !s.finFrom(true)) {
                s.end(SessionEnd.CLIENT_RESET);
            }
        });
        backend.spliceTo(client, Integer.MAX_VALUE).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && !s.finFrom(false)) {
                s.end(SessionEnd.SERVER_RESET);
            }
        });
    }

    /**
     * Copies the bytes still queued in {@code source}'s socket after its FIN to {@code peer}.
     * At most one receive buffer's worth, and the input is shut, so this ends.
     */
    static void drain(Session s, Channel source, Channel peer, boolean fromClient) {
        var fd = ((AbstractEpollStreamChannel) source).fd();
        while (true) {
            ByteBuf buf = source.alloc().directBuffer(DRAIN_CHUNK);
            int n;
            try {
                ByteBuffer nio = buf.internalNioBuffer(0, DRAIN_CHUNK);
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
            s.transferred(fromClient, n);
            peer.write(buf, peer.voidPromise());
        }
    }
}
