package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a socket registered with epoll for its whole life.
 *
 * <p>Netty 4.2 (4.2.17 to 4.2.20 at least) removes a socket from epoll when its interest set
 * empties, but keeps it marked as added, so the next interest it asks for fails with ENOENT. After
 * a FIN the set empties as soon as nothing waits to be written (no more reading, the read-hang-up
 * already seen); when the other side's bytes then fill that socket, Netty cannot wait for room,
 * fails what is queued and shuts the output: the client gets a clean but early end of its reply.
 * EPOLLERR in the set keeps it from ever emptying and changes nothing else: epoll reports errors
 * whether asked or not. Set before the socket's first epoll_ctl, it rides along in that call
 * (setting it at the FIN cost one more epoll_ctl per half-closed socket).
 */
final class EpollRegistrationPin {

    private static final Logger LOG = LoggerFactory.getLogger(EpollRegistrationPin.class);
    private static final MethodHandle SET_FLAG = flagMethod("setFlag");
    private static final MethodHandle CLEAR_FLAG = flagMethod("clearFlag");

    private EpollRegistrationPin() {
    }

    private static MethodHandle flagMethod(String name) {
        try {
            // Declared (protected) on AbstractEpollChannel, which is not public.
            Class<?> declaring = AbstractEpollStreamChannel.class.getSuperclass();
            return MethodHandles.privateLookupIn(declaring, MethodHandles.lookup())
                    .findVirtual(declaring, name, MethodType.methodType(void.class, int.class))
                    .asType(MethodType.methodType(void.class, AbstractEpollStreamChannel.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("cannot keep sockets in epoll after a FIN ({}): a reply to a client that half-closed may end early", e.toString());
            return null;
        }
    }

    /**
     * Presets the pin, and interest in reading, on a channel not yet registered, so that both ride
     * in its first epoll_ctl. Every socket here reads as soon as it is connected (an accepted client
     * at once, a server when the relay starts, which happens before its first readiness is handled),
     * so turning reading on then finds EPOLLIN set and costs no epoll_ctl of its own; a channel set
     * to not auto-read afterwards has EPOLLIN cleared by Netty before anything is registered.
     */
    static void pinReading(Channel ch) {
        if (SET_FLAG == null || !(ch instanceof AbstractEpollStreamChannel epoll) || !ch.isOpen()) {
            return;
        }
        try {
            SET_FLAG.invokeExact(epoll, Native.EPOLLERR | Native.EPOLLIN);
        } catch (Throwable e) {
            // Not registered yet, so nothing in Netty can fail here short of a changed Netty.
            LOG.debug("could not pin {} in epoll: {}", ch, e.toString());
        }
    }

    /**
     * Stops, or starts again, the read-hang-up interest of a socket that is not being read. Netty
     * reads everything a socket holds when its FIN comes, asked to read or not; for a client whose
     * early data is held back (its server connection not up yet, the budget spent), that would move
     * the whole receive buffer into the process, past the budget. Without the interest, what it
     * sent and its FIN wait in the kernel until reading resumes. One epoll_ctl each way, only for
     * sessions held back.
     */
    static void watchHangUp(Channel ch, boolean watch) {
        MethodHandle m = watch ? SET_FLAG : CLEAR_FLAG;
        if (m == null || !(ch instanceof AbstractEpollStreamChannel epoll) || !ch.isOpen()) {
            return;
        }
        try {
            m.invokeExact(epoll, Native.EPOLLRDHUP);
        } catch (Throwable e) {
            LOG.debug("could not change the hang-up interest of {}: {}", ch, e.toString());
        }
    }

    /** On a listening channel: presets each accepted socket before the acceptor registers it. */
    @ChannelHandler.Sharable
    static final class OnAccept extends ChannelInboundHandlerAdapter {

        static final OnAccept INSTANCE = new OnAccept();

        private OnAccept() {
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Before the acceptor applies the child options and registers the child.
            if (msg instanceof Channel child) {
                pinReading(child);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
