package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;

/**
 * One of a session's two connections, the client's or the server's, and what has come from it:
 * the bytes read and whether its FIN has been passed on. Each side knows the other, so the relay,
 * the counters and the ends of a session name a side rather than a direction.
 */
final class Side {

    private final String name;
    private final SessionEnd closedEnd;
    private final SessionEnd resetEnd;
    private Side peer;
    /** The client's from the start; the server's once a connect is under way, null between tries. */
    private Channel channel;
    /** Its FIN has come and been passed on, and with it all it will ever send. */
    private boolean finished;
    private long bytesRead;

    private Side(String name, SessionEnd closedEnd, SessionEnd resetEnd, Channel channel) {
        this.name = name;
        this.closedEnd = closedEnd;
        this.resetEnd = resetEnd;
        this.channel = channel;
    }

    /** The client's side, paired with its server's side (which has no channel yet). */
    static Side clientOf(Channel client) {
        Side c = new Side("client", SessionEnd.CLIENT_CLOSED, SessionEnd.CLIENT_RESET, client);
        Side s = new Side("server", SessionEnd.SERVER_CLOSED, SessionEnd.SERVER_RESET, null);
        c.peer = s;
        s.peer = c;
        return c;
    }

    /** The other connection of the session. */
    Side peer() {
        return peer;
    }

    /** "client" or "server", as log lines name it. */
    String name() {
        return name;
    }

    /** The session's end when this side closes first, in order. */
    SessionEnd closedEnd() {
        return closedEnd;
    }

    /** The session's end when this side resets. */
    SessionEnd resetEnd() {
        return resetEnd;
    }

    Channel channel() {
        return channel;
    }

    void channel(Channel ch) {
        this.channel = ch;
    }

    boolean finished() {
        return finished;
    }

    void finish() {
        finished = true;
    }

    long bytesRead() {
        return bytesRead;
    }

    void read(int bytes) {
        bytesRead += bytes;
    }

    /** Whether its connection is open for writing to. */
    boolean active() {
        return channel != null && channel.isActive();
    }

    /** Turns reading back on, unless this side already sent its FIN (epoll refuses to watch it then). */
    void resumeReading() {
        if (channel.isActive() && !inputShut()) {
            channel.config().setAutoRead(true);
        }
    }

    /** Whether the transport has seen this side's FIN. */
    boolean inputShut() {
        return channel instanceof DuplexChannel d && d.isInputShutdown();
    }

    /** Whether nothing waits in Netty's queue to be written to {@code ch}. */
    static boolean nothingToSend(Channel ch) {
        if (ch instanceof DuplexChannel duplex && duplex.isOutputShutdown()) {
            return true;
        }
        ChannelOutboundBuffer queued = ch.unsafe().outboundBuffer();
        return queued == null || queued.totalPendingWriteBytes() == 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
