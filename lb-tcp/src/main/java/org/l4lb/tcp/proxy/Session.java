package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.l4lb.core.balance.Attempt;
import org.l4lb.core.net.InetLiteral;
import org.l4lb.core.net.AddressText;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.admission.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and, once connected, its server connection. Every method runs on the
 * client channel's event loop (the server channel is registered on the same loop), so nothing here
 * needs a lock.
 */
final class Session {


    final Service service;
    final Channel client;
    final SessionOptions options;
    /** The client as strategies, ACLs and logs see it: the PROXY header's source when accepted. */
    InetSocketAddress clientAddress;
    /** Where the client connected to: the PROXY header's destination when accepted. */
    InetSocketAddress localAddress;
    /** The servers this session picks from: the service's when it started, whatever a reload does since. */
    org.l4lb.core.upstream.Upstream upstream;
    /** The picking state while a server is sought; dropped once connected (tries keeps its count). */
    Attempt attempt;
    private int tries;
    ServerState server;
    Channel backend;
    final long started = System.nanoTime();
    long lastActivity = started;
    long bytesUp;
    long bytesDown;
    /** Set when the relay starts; from then on every byte read is payload. */
    boolean relaying;
    /** Bytes move by splice(2) rather than through the pipeline. */
    boolean spliced;
    /** Holds a unit of the node's and the service's limit. */
    private boolean reserved;
    /** Holds a unit of its client address's limit and counts as a started session. */
    private boolean admitted;
    private boolean clientInputShut;
    private boolean serverInputShut;
    private SessionEnd firstClose;
    private SessionEnd end;
    IdleWatch idleWatch;
    /** Bytes the client sent before the server connection exists; null without any. */
    private ArrayDeque<ByteBuf> early;
    /** The memory {@link #early} holds, as {@link EarlyDataBudget} counts it. */
    private int earlyCost;

    Session(Service service, Channel client, SessionOptions options) {
        this.service = service;
        this.client = client;
        this.options = options;
        this.clientAddress = (InetSocketAddress) client.remoteAddress();
        this.localAddress = (InetSocketAddress) client.localAddress();
    }

    boolean ended() {
        return end != null;
    }

    /**
     * Holds bytes that came before the server connection exists, to send once it does. Counted by
     * the memory they hold: past the high-water mark, or past the node's budget, the client is not
     * read any further until then (the relay's back-pressure).
     */
    void holdEarly(ByteBuf bytes) {
        if (early == null) {
            early = new ArrayDeque<>(4);
        }
        early.add(bytes);
        int cost = EarlyDataBudget.cost(bytes);
        earlyCost += cost;
        boolean withinBudget = options.earlyData().take(cost);
        if (earlyCost >= client.config().getWriteBufferHighWaterMark() || !withinBudget) {
            client.config().setAutoRead(false);
        }
    }

    /** Writes (without flushing) what {@link #holdEarly} held to the new server connection, counted as sent. */
    void writeEarly(Channel backend) {
        if (early == null) {
            return;
        }
        for (ByteBuf b; (b = early.poll()) != null; ) {
            transferred(true, b.readableBytes());
            backend.write(b);
        }
        dropEarly();
    }

    /** Gives the held bytes' memory back to the budget; the buffers are written or released. */
    private void dropEarly() {
        options.earlyData().give(earlyCost);
        early = null; // null means nothing held
        earlyCost = 0;
    }

    /**
     * The server is chosen for good: keeps the count of tries for the access log and lets the
     * Attempt go (about 280 bytes that an idle session would otherwise hold for its whole life).
     */
    void connected() {
        tries = attempt.picks();
        attempt = null;
    }

    /** Takes its unit of the node's and the service's limit; null when taken, else which is full. */
    Refusal reserve() {
        Refusal full = service.admission().reserve();
        reserved = full == null;
        return full;
    }

    boolean reserved() {
        return reserved;
    }

    void admitted() {
        admitted = true;
        service.started();
    }

    void transferred(boolean fromClient, int bytes) {
        if (fromClient) {
            bytesUp += bytes;
        } else {
            bytesDown += bytes;
        }
        // Live, so /metrics shows the bytes of long sessions while they run.
        server.addBytes(fromClient ? bytes : 0, fromClient ? 0 : bytes);
        lastActivity = System.nanoTime();
    }

    /** Turns reading back on, unless that side already sent its FIN (epoll refuses to watch it then). */
    static void resumeReading(Channel ch) {
        if (ch.isActive() && !(ch instanceof DuplexChannel d && d.isInputShutdown())) {
            ch.config().setAutoRead(true);
        }
    }

    /** Whether that side's FIN has come and been passed on, and with it all it will ever send. */
    boolean finFrom(boolean fromClient) {
        return fromClient ? clientInputShut : serverInputShut;
    }

    static boolean inputShut(Channel ch) {
        return ch instanceof DuplexChannel d && d.isInputShutdown();
    }

    /** A FIN arrived from one side: pass it on once what came before it is written, keep the other way open. */
    void inputShutdown(boolean fromClient) {
        if (ended()) {
            // A reset ended it: Netty shuts the input after the read error that reported it.
            return;
        }
        Channel source = fromClient ? client : backend;
        if (!spliced && !finFrom(!fromClient) && TcpState.reset(source)) {
            // A reset whose error a failed read or write already took reads as the end of input:
            // it is still a reset to pass on. A connection can only end in order once this side
            // has had our FIN (the other side's, passed on); before that, a closed socket was reset.
            resetBy(fromClient);
            return;
        }
        if (firstClose == null) {
            firstClose = SessionEnd.closedBy(fromClient);
        }
        Channel peer = fromClient ? backend : client;
        if (spliced && peer != null && peer.isActive() && !ended()) {
            // Copy what the kernel still holds behind the FIN now, queued behind the splices
            // already on their way to the peer; the FIN follows once all of it is written.
            Leftovers.passOn(this, source, peer, fromClient);
        }
        passFinOn(fromClient, peer);
    }

    private void passFinOn(boolean fromClient, Channel peer) {
        if (fromClient) {
            clientInputShut = true;
        } else {
            serverInputShut = true;
        }
        if (clientInputShut && serverInputShut) {
            end(firstClose);
            return;
        }
        if (peer != null && peer.isActive()) {
            if (nothingToSend(peer)) {
                shutOutput(peer);
            } else {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        shutOutput(peer);
                    }
                });
            }
        }
    }

    /**
     * Sends the FIN on a channel whose queue is empty. Once it is sent, that side's own FIN ends the
     * session, so unless spliced it may close the channel at once rather than half-close it
     * (Netty's shutdown(SHUT_RD) of an already closed socket fails, and it builds an exception for
     * it). A spliced side still needs its half-close: the bytes behind its FIN are copied then.
     */
    private void shutOutput(Channel ch) {
        if (!(ch instanceof DuplexChannel duplex) || duplex.isOutputShutdown()) {
            return;
        }
        if (!spliced) {
            // Every byte before the FIN is read and relayed before Netty acts on it.
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
        if (ch instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            // Netty's shutdownOutput builds an exception to fail the queue with, every time; the
            // queue is empty here, so the socket's own shutdown is all it takes.
            try {
                socket.shutdown(false, true);
            } catch (IOException e) {
                ch.close();
            }
        } else {
            duplex.shutdownOutput();
        }
    }

    /**
     * One side reset: what it sent before the reset and what the kernel still holds of it goes on to
     * the other side first, then the reset (see {@link PassedOnReset}).
     */
    void resetBy(boolean fromClient) {
        if (ended()) {
            return;
        }
        Channel source = fromClient ? client : backend;
        Channel peer = fromClient ? backend : client;
        // Read directly only from a socket whose connection is gone: nothing can make that read wait.
        if (relaying && peer != null && peer.isActive() && source != null && Leftovers.readable(source)
                && TcpState.reset(source)) {
            Leftovers.passOn(this, source, peer, fromClient);
            peer.flush();
        }
        end(SessionEnd.resetBy(fromClient));
    }

    /** A channel closed: the session ends as the side that closed first ended it. */
    void closed(boolean fromClient) {
        end(firstClose != null ? firstClose : SessionEnd.closedBy(fromClient));
    }

    /**
     * Ends the session once: closes both sides (in order, or with a reset where one side reset),
     * releases the server slot and the admission units, counts and logs it.
     */
    void end(SessionEnd why) {
        if (end != null) {
            return;
        }
        end = why;
        if (idleWatch != null) {
            idleWatch.cancel();
        }
        if (early != null) {
            for (ByteBuf b : early) {
                b.release();
            }
            dropEarly();
        }
        Channel toReset = switch (why) {
            case CLIENT_RESET -> backend;
            case SERVER_RESET, PROXY_HEADER_INVALID -> client;
            default -> null;
        };
        close(client, client == toReset);
        if (backend != null) {
            close(backend, backend == toReset);
        }
        if (server != null) {
            server.release();
        }
        if (admitted) {
            service.admission().release(clientAddress.getAddress());
        }
        if (reserved) {
            service.admission().unreserve();
        }
        service.ended(why);
        Logger access = options.accessLog();
        if (access != null && access.isInfoEnabled()) {
            access.info("{} {} -> {} tries={} up={} down={} time={}ms end={}", service.name(), text(clientAddress),
                    server == null ? "-" : server.name(), attempt == null ? tries : attempt.picks(), bytesUp, bytesDown,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), why.label());
        }
    }

    private static void close(Channel ch, boolean reset) {
        if (!ch.isOpen()) {
            return;
        }
        if (reset) {
            // What the other side did to us, after what it sent before.
            PassedOnReset.resetOnceDelivered(ch);
        } else if (nothingToSend(ch)) {
            // An empty write to a channel whose output is shut fails with an exception, and its
            // stack trace was a few per cent of the CPU per new connection.
            ch.close();
        } else {
            // Close once what is queued has gone out.
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    static boolean nothingToSend(Channel ch) {
        if (ch instanceof DuplexChannel duplex && duplex.isOutputShutdown()) {
            return true;
        }
        ChannelOutboundBuffer queued = ch.unsafe().outboundBuffer();
        return queued == null || queued.totalPendingWriteBytes() == 0;
    }

    static String text(InetSocketAddress a) {
        if (a == null) {
            return "-";
        }
        String host = AddressText.of(a.getAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Takes the addresses a PROXY header carries, when they are IP addresses. A UNIX-family header
     * (a client of the sending proxy's local socket), LOCAL or UNKNOWN leaves the connection's own,
     * as nginx does: its addresses are paths, never names to look up.
     */
    void proxiedBy(HAProxyMessage header) {
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if ((family == HAProxyProxiedProtocol.AddressFamily.AF_IPv4 || family == HAProxyProxiedProtocol.AddressFamily.AF_IPv6)
                && header.sourceAddress() != null && header.destinationAddress() != null) {
            // The decoder checked both are literals of the family: parsed, not resolved.
            clientAddress = new InetSocketAddress(InetLiteral.parse(header.sourceAddress()), header.sourcePort());
            localAddress = new InetSocketAddress(InetLiteral.parse(header.destinationAddress()), header.destinationPort());
        }
    }
}
