package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.net.SocketAddress;
import org.l4lb.core.config.ProxyProtocol;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.proxyprotocol.ProxyHeaders;

/**
 * Connects a session to a server on the client's event loop; a refused or timed-out connect is
 * counted against that server (passive health) and the next eligible server is tried, up to
 * next-upstream-tries and next-upstream-timeout (nginx proxy_next_upstream), before the client is closed.
 */
final class Connector {

    private final BackendChannels channels;
    private final WriteBufferWaterMark waterMark;

    Connector(BackendChannels channels, WriteBufferWaterMark waterMark) {
        this.channels = channels;
        this.waterMark = waterMark;
    }

    void connect(Session s) {
        if (s.ended()) {
            return;
        }
        SessionOptions o = s.options();
        int picks = s.picks();
        if (picks > 0) {
            boolean triesLeft = o.nextUpstreamTries() == 0 || picks < o.nextUpstreamTries();
            boolean timeLeft = o.nextUpstreamTimeoutNanos() == 0
                    || System.nanoTime() - s.startedNanos() < o.nextUpstreamTimeoutNanos();
            if (!triesLeft || !timeLeft) {
                s.end(SessionEnd.CONNECT_FAILED);
                return;
            }
            s.service().retried();
        }
        ServerState server = s.pick();
        if (server == null) {
            if (picks == 0) {
                s.service().problem("no-server", "no server can take a session (all down, disabled or full)");
            }
            s.end(picks == 0 ? SessionEnd.NO_SERVER : SessionEnd.CONNECT_FAILED);
            return;
        }
        // A channel made and registered by hand rather than by a Bootstrap: a clone per connection
        // copied its option maps and went through the resolver for an address already resolved.
        SocketAddress address = s.service().addressOf(server);
        if (address == null) {
            // Removed by a reload between the pick and here: on to the next server.
            s.dropPicked();
            connect(s);
            return;
        }
        Channel backend = channels.newChannel(address);
        ChannelConfig c = backend.config();
        c.setAutoRead(false);
        c.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // A failed write must not close the socket: what the server sent before its reset is
        // still in it, to be passed on before the reset (Session.resetBy).
        c.setAutoClose(false);
        c.setWriteBufferWaterMark(waterMark);
        c.setMessageSizeEstimator(MemorySizeEstimator.INSTANCE);
        c.setConnectTimeoutMillis(o.connectTimeoutMillis());
        c.setRecvByteBufAllocator(new CountingAllocator(s, s.server()));
        // After setAutoRead(false), which would clear the interest in reading this presets.
        EpollRegistrationPin.pinReading(backend);
        s.connecting(backend);
        s.eventLoop().register(backend).addListener((ChannelFutureListener) registered -> {
            if (!registered.isSuccess()) {
                failed(s, server, registered.cause());
                return;
            }
            ChannelFuture connect = backend.connect(address).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            connect.addListener((ChannelFutureListener) done -> {
                if (done.isSuccess()) {
                    connected(s, server, done.channel());
                } else {
                    failed(s, server, done.cause());
                }
            });
        });
    }

    private void failed(Session s, ServerState server, Throwable cause) {
        if (s.ended()) {
            // The client left while we connected; end() already released the server.
            return;
        }
        server.connectFailed(System.nanoTime(), String.valueOf(cause.getMessage()));
        s.dropPicked();
        connect(s);
    }

    private void connected(Session s, ServerState server, Channel backend) {
        server.connected(System.nanoTime());
        if (s.ended()) {
            backend.close();
            return;
        }
        if (s.options().proxyProtocol() != ProxyProtocol.OFF) {
            backend.pipeline().addLast(HAProxyMessageEncoder.INSTANCE);
            backend.write(ProxyHeaders.header(s.options().proxyProtocol(), s.clientAddress(), s.localAddress()));
            backend.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        }
        s.relay();
    }
}
