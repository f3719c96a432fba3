package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a socket whose peer sent its FIN registered with epoll.
 *
 * <p>Netty 4.2 (4.2.17 to 4.2.20 at least) removes a socket from epoll when its interest set
 * empties, but keeps it marked as added, so the next interest it asks for fails with ENOENT. After
 * a FIN the set empties as soon as nothing waits to be written (no more reading, the read-hang-up
 * already seen); when the other side's bytes then fill that socket, Netty cannot wait for room,
 * fails what is queued and shuts the output: the client gets a clean but early end of its reply.
 * Adding EPOLLET to the set, which nothing else uses after the FIN, keeps it from ever emptying;
 * the only interest left then is room to write, and Netty waits for it edge-triggered, as Netty
 * 4.1 did by default.
 */
final class EpollRegistrationPin {

    private static final Logger LOG = LoggerFactory.getLogger(EpollRegistrationPin.class);
    private static final MethodHandle SET_FLAG = setFlag();

    private EpollRegistrationPin() {
    }

    private static MethodHandle setFlag() {
        try {
            // Declared (protected) on AbstractEpollChannel, which is not public.
            Class<?> declaring = AbstractEpollStreamChannel.class.getSuperclass();
            return MethodHandles.privateLookupIn(declaring, MethodHandles.lookup())
                    .findVirtual(declaring, "setFlag", MethodType.methodType(void.class, int.class))
                    .asType(MethodType.methodType(void.class, AbstractEpollStreamChannel.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("cannot keep half-closed sockets in epoll ({}): a reply to a client that half-closed may end early", e.toString());
            return null;
        }
    }

    /** Call on the channel's event loop when its input shut, before Netty clears its last interest. */
    static void pin(Channel ch) {
        if (SET_FLAG == null || !(ch instanceof AbstractEpollStreamChannel epoll) || !ch.isOpen()) {
            return;
        }
        try {
            SET_FLAG.invokeExact(epoll, Native.EPOLLET);
        } catch (Throwable e) {
            // The socket went away in between: nothing is left to keep.
            LOG.debug("could not pin {} in epoll: {}", ch, e.toString());
        }
    }
}
