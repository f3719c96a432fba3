package org.l4lb.tcp.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import java.util.concurrent.TimeUnit;

/**
 * Passes a reset on to one side once what the other side sent before its reset has been delivered
 * there, as a direct connection would have it: the bytes first, then the reset. A reset (SO_LINGER 0)
 * throws away whatever the socket has not yet had acknowledged, so it waits until Netty's queue is
 * written and the kernel has no byte in flight (TCP_INFO), at most {@link #LIMIT_NANOS}.
 */
final class PassedOnReset {

    /** How long a reset may wait for its bytes: well past a lost segment's retransmission. */
    static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long CHECK_MILLIS = 2;

    private final Channel ch;
    private final long deadline;
    /** Null where TCP_INFO cannot be read: then Netty's queue written is all it waits for. */
    private final TcpState tcp;

    private PassedOnReset(Channel ch) {
        this.ch = ch;
        this.deadline = System.nanoTime() + LIMIT_NANOS;
        this.tcp = TcpState.of(ch);
    }

    /** Resets {@code ch} once what is queued for it has been delivered, or at once if nothing is. */
    static void resetOnceDelivered(Channel ch) {
        if (!ch.isOpen()) {
            return;
        }
        // Nothing more comes from this side: what it still sends is lost to the reset anyway.
        ch.config().setAutoRead(false);
        // However the wait goes (a peer that reads nothing never lets Netty's queue drain), the
        // session has ended: its socket is not kept past the limit.
        ch.eventLoop().schedule(() -> resetNow(ch), LIMIT_NANOS, TimeUnit.NANOSECONDS);
        PassedOnReset r = new PassedOnReset(ch);
        if (Side.nothingToSend(ch)) {
            r.check();
        } else {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    r.check();
                } else {
                    resetNow(ch);
                }
            });
        }
    }

    private void check() {
        if (!ch.isOpen()) {
            return;
        }
        if (delivered() || System.nanoTime() - deadline >= 0) {
            resetNow(ch);
        } else {
            ch.eventLoop().schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private boolean delivered() {
        return tcp == null || tcp.allAcknowledged();
    }

    /** SO_LINGER 0 turns the close into a RST. */
    static void resetNow(Channel ch) {
        if (!ch.isOpen()) {
            return;
        }
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // Unix domain sockets have no reset; a plain close is the closest.
        }
        ch.close();
    }
}
