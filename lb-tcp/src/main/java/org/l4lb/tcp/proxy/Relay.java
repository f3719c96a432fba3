package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;

/**
 * Moves bytes read on one side's channel to the other side's with back-pressure: when the other
 * side's outbound buffer passes its high-water mark this side stops reading, and reading resumes
 * when it drains. So a slow reader stalls the fast writer and nothing buffers without bound.
 */
final class Relay extends ChannelInboundHandlerAdapter {

    static final String NAME = "relay";

    private final Session session;
    private final Side from;
    private final Channel peer;

    /** Relays what {@code from} sends to its peer, whose channel exists by now. */
    Relay(Session session, Side from) {
        this.session = session;
        this.from = from;
        this.peer = from.peer().channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The bytes were counted by the channel's CountingAllocator as they were read.
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A spliced session's reading is paced by Netty's splice tasks, which stop and restart it
        // around a full pipe; turning it on here as well would only make it spin on that pipe.
        if (ctx.channel().isWritable() && !session.ended() && !session.spliced()) {
            // This side drained what the peer sent: let the peer read again.
            from.peer().resumeReading();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            session.inputShutdown(from);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.closed(from);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            session.service().problem("relay-error", "relay error from " + from.name() + ": " + cause);
        }
        session.resetBy(from);
    }
}
