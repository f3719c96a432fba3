package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.l4lb.tcp.admission.Admission;
import org.l4lb.tcp.admission.Refusal;

/**
 * The first handler of an accepted client: reads the PROXY header if the service expects one,
 * admits the client (ACL and limits, on the address the header carries), and starts connecting.
 * It leaves the pipeline once the relay takes over.
 */
final class Frontend extends ChannelInboundHandlerAdapter {

    static final String NAME = "frontend";

    private final Service service;
    private final SessionOptions options;
    private final Connector connector;
    private final SessionRegistry registry;
    private final Session session;
    private ScheduledFuture<?> headerTimeout;

    Frontend(Session session, Connector connector, SessionRegistry registry) {
        this.session = session;
        this.service = session.service();
        this.options = session.options();
        this.connector = connector;
        this.registry = registry;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        registry.add(session);
        if (options.acceptProxy()) {
            // Refused unread: anyone else could pick the address that ACLs and limits see.
            if (refused(options.proxySources().permits(session.clientAddress().getAddress().getAddress())
                    ? null : Refusal.PROXY_UNTRUSTED)) {
                return;
            }
            // Counted from now: a connection that never sends its header holds a place all the same.
            if (refused(session.reserve())) {
                return;
            }
            headerTimeout = ctx.executor().schedule(() -> {
                service.problem("proxy-header-timeout", "no PROXY header from " + session.clientText() + " in time");
                session.end(SessionEnd.PROXY_HEADER_TIMEOUT);
            }, options.acceptProxyTimeoutNanos(), TimeUnit.NANOSECONDS);
        } else {
            start();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                if (!session.ended()) {
                    session.proxiedBy(header);
                }
            } finally {
                header.release();
            }
            if (!session.ended()) {
                headerTimeout.cancel(false);
                start();
            }
        } else if (session.ended()) {
            ((ByteBuf) msg).release();
        } else {
            // What the client sent while its server connection is made: sent once connected.
            session.holdEarly((ByteBuf) msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // A client that sends its FIN before its PROXY header never sends one: its place goes back
        // now, not at the header's timeout. Once connecting, the connector looks at the FIN itself.
        if (evt instanceof ChannelInputShutdownEvent && headerTimeout != null && !headerTimeout.isDone()) {
            headerTimeout.cancel(false);
            session.end(SessionEnd.CLIENT_CLOSED);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (headerTimeout != null) {
            headerTimeout.cancel(false);
        }
        session.end(SessionEnd.CLIENT_CLOSED);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            service.problem("proxy-header-invalid", "bad PROXY header from " + session.clientText() + ": " + cause.getMessage());
            session.end(SessionEnd.PROXY_HEADER_INVALID);
            return;
        }
        // A reset is the client's business; anything else is ours to report.
        if (!(cause instanceof IOException)) {
            service.problem("client-error", "client error: " + cause);
        }
        session.end(SessionEnd.CLIENT_RESET);
    }

    private void start() {
        Admission admission = service.admission();
        InetAddress client = session.clientAddress().getAddress();
        if (refused(admission.permits(client) ? null : Refusal.DENIED)
                || !session.reserved() && refused(session.reserve())
                || refused(admission.admitClient(client))) {
            return;
        }
        session.admit();
        connector.connect(session);
    }

    /** Ends the session when {@code why} is a refusal, counted and logged; false when it is null. */
    private boolean refused(Refusal why) {
        if (why == null) {
            return false;
        }
        service.refused(why, session.clientText());
        session.end(SessionEnd.REFUSED);
        return true;
    }
}
