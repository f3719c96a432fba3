package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An in-memory channel with IP addresses, as the data path reads them from a socket, that can be
 * made to stop taking writes (a peer that reads nothing) and to refuse its connect.
 */
final class TestChannel extends EmbeddedChannel {

    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final Connect connect;
    private boolean stalled;
    /** The connect a {@link Connect#HANGS} channel is still making. */
    private ChannelPromise pending;

    /** What a server does with the connect to it. */
    enum Connect { ACCEPTS, REFUSES, HANGS }

    private TestChannel(InetSocketAddress local, InetSocketAddress remote, Connect connect) {
        super(EmbeddedChannel.builder().register(false));
        this.local = local;
        this.remote = remote;
        this.connect = connect;
    }

    /** An accepted client's channel, not yet registered: the test adds its handlers first. */
    static TestChannel accepted(String clientIp, int clientPort) {
        return new TestChannel(new InetSocketAddress("127.0.0.1", 18999), new InetSocketAddress(clientIp, clientPort),
                Connect.ACCEPTS);
    }

    /** A channel to a server, as the transport makes it: unregistered, connected by the Connector. */
    static TestChannel toServer(SocketAddress server, Connect connect) {
        return new TestChannel(new InetSocketAddress("127.0.0.1", 40000), (InetSocketAddress) server, connect);
    }

    @Override
    public ChannelFuture connect(SocketAddress remoteAddress) {
        return switch (connect) {
            case ACCEPTS -> super.connect(remoteAddress);
            case REFUSES -> newFailedFuture(new ConnectException("Connection refused"));
            case HANGS -> pending = newPromise();
        };
    }

    /** The server takes the connect that hung until now. */
    void completeConnect() {
        pending.setSuccess();
    }

    /** While stalled, written bytes stay queued in Netty's buffer, as for a socket that takes none. */
    void stall(boolean stalled) {
        this.stalled = stalled;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (!stalled) {
            super.doWrite(in);
        }
    }

    /** Known from the start, as an accepted socket's are when the listener hands it over. */
    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    /** Everything written to this channel so far, as one buffer's bytes. */
    byte[] written() {
        io.netty.buffer.CompositeByteBuf all = io.netty.buffer.Unpooled.compositeBuffer(Integer.MAX_VALUE);
        for (Object m; (m = readOutbound()) != null; ) {
            all.addComponent(true, (ByteBuf) m);
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }
}
