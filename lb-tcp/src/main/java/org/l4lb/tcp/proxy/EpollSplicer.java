package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import org.l4lb.tcp.transport.Transport;

/**
 * Relays with splice(2) between two epoll channels: bytes go socket -> pipe -> socket in the
 * kernel and never enter the pipeline. Back-pressure is the pipe's: a full pipe stops the splice
 * in until the other side drains it. FIN, reset and close still reach the {@link Relay} handlers,
 * which handle them exactly as in the ByteBuf relay; {@link CountingAllocator} counts the bytes.
 */
final class EpollSplicer implements Splicer {

    private EpollSplicer() {
    }

    static Splicer create(Transport transport) {
        return transport.epoll() ? new EpollSplicer() : null;
    }

    @Override
    public boolean canSplice(Channel client, Channel backend) {
        return client instanceof AbstractEpollStreamChannel && backend instanceof AbstractEpollStreamChannel;
    }

    @Override
    @SuppressWarnings("deprecation") // spliceTo is deprecated in Netty 4.2 but still the only zero-copy relay
    public void start(Session s) {
        AbstractEpollStreamChannel client = (AbstractEpollStreamChannel) s.client;
        AbstractEpollStreamChannel backend = (AbstractEpollStreamChannel) s.backend;
        // spliceTo needs level-triggered epoll on both ends.
        client.config().setOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        backend.config().setOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        client.pipeline().addLast("relay", new Relay(s, backend, true));
        backend.pipeline().addLast("relay", new Relay(s, client, false));
        client.spliceTo(backend, Integer.MAX_VALUE).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                s.end(SessionEnd.CLIENT_RESET);
            }
        });
        backend.spliceTo(client, Integer.MAX_VALUE).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                s.end(SessionEnd.SERVER_RESET);
            }
        });
        Session.resumeReading(client);
        backend.config().setAutoRead(true);
    }
}
