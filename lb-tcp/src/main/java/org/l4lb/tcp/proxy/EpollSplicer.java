package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.AbstractEpollStreamChannel;

/**
 * Relays a session with splice(2): bytes go socket -> pipe -> socket inside the kernel and never
 * enter the pipeline. Back-pressure is the pipe's: while the other side cannot take more, the
 * splice in waits.
 *
 * <p>Netty's {@code spliceTo} shuts a socket's input as soon as the FIN is seen, even when bytes
 * are still queued in the kernel behind a full pipe; they would be lost and the close would reset.
 * So when a spliced side sends its FIN, {@link Leftovers} copies what is left in that socket at once,
 * queued behind the splices already on their way, and the FIN is passed on after all of it.
 * {@link EpollRegistrationPin} keeps that socket in epoll after its FIN. FIN, reset and close
 * otherwise go through the same {@link Relay} handlers as the buffer relay;
 * {@link CountingAllocator} counts the spliced bytes.
 */
final class EpollSplicer {

    private EpollSplicer() {
    }

    static boolean canSplice(Channel client, Channel backend) {
        return client instanceof AbstractEpollStreamChannel && backend instanceof AbstractEpollStreamChannel;
    }

    /** Splices both ways; the session has marked itself spliced. */
    static void start(Session s) {
        // spliceTo needs level-triggered epoll, the only mode Netty 4.2 has (EPOLL_MODE is a no-op).
        splice(s, s.client());
        splice(s, s.server());
    }

    @SuppressWarnings("deprecation") // spliceTo is deprecated in Netty 4.2, and still its only zero-copy relay
    private static void splice(Session s, Side from) {
        Side to = from.peer();
        AbstractEpollStreamChannel in = (AbstractEpollStreamChannel) from.channel();
        AbstractEpollStreamChannel out = (AbstractEpollStreamChannel) to.channel();
        // A splice fails when either of its sockets does: the side whose connection is gone reset.
        in.spliceTo(out, Integer.MAX_VALUE).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && !from.finished()) {
                s.resetBy(TcpState.reset(out) ? to : from);
            }
        });
    }
}
