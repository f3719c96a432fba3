package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admission.Refusal;
import org.slf4j.Logger;

/**
 * One client connection and, once connected, its server connection. Every method runs on the
 * client channel's event loop (the server channel is registered on the same loop), so nothing here
 * needs a lock.
 */
final class Session {

    /** Where a session is in its life; it only moves forward. */
    enum Phase {
        /** Accepted: its PROXY header, ACLs and limits are being checked. */
        ADMITTING,
        /** Admitted: a server is being picked and connected, while what the client sends is held. */
        CONNECTING,
        /** Connected: bytes move both ways and each side's FIN is passed on. */
        RELAYING,
        /** Both connections are closed, or closing, and the session is counted and logged. */
        ENDED
    }

    private final Service service;
    private final SessionOptions options;
    private final Side client;
    private final Side server;
    private final long started = System.nanoTime();
    private Phase phase = Phase.ADMITTING;
    /** The client as strategies, ACLs and logs see it: the PROXY header's source when accepted. */
    private InetSocketAddress clientAddress;
    /** Where the client connected to: the PROXY header's destination when accepted. */
    private InetSocketAddress localAddress;
    /** The servers this session picks from: the service's when it was admitted, whatever a reload does since. */
    private Upstream upstream;
    /** The picking state while a server is sought; dropped once connected (tries keeps its count). */
    private Attempt attempt;
    private int tries;
    /** The server picked; the connect to it may still be under way. */
    private ServerState picked;
    private long lastActivity = started;
    /** Bytes move by splice(2) rather than through the pipeline. */
    private boolean spliced;
    /** Holds a unit of the node's and the service's limit. */
    private boolean reserved;
    /** Holds a unit of its client address's limit and counts as a started session. */
    private boolean admitted;
    /** How the session ends when it ends in order: as the side that closed first closed it. */
    private SessionEnd firstClose;
    private SessionEnd end;
    private IdleWatch idleWatch;
    /** Bytes the client sent before the server connection exists; null without any. */
    private ArrayDeque<ByteBuf> early;
    /** The memory {@link #early} holds, as {@link EarlyDataBudget} counts it. */
    private int earlyCost;
    /** The client's FIN is not watched while its early data is held back (see EpollRegistrationPin). */
    private boolean hangUpUnwatched;

    Session(Service service, Channel client, SessionOptions options) {
        this.service = service;
        this.options = options;
        this.client = Side.clientOf(client);
        this.server = this.client.peer();
        this.clientAddress = (InetSocketAddress) client.remoteAddress();
        this.localAddress = (InetSocketAddress) client.localAddress();
    }

    Service service() {
        return service;
    }

    SessionOptions options() {
        return options;
    }

    Phase phase() {
        return phase;
    }

    boolean ended() {
        return phase == Phase.ENDED;
    }

    /** The client's connection and, through its peer, the server's. */
    Side client() {
        return client;
    }

    Side server() {
        return server;
    }

    /** The loop every method of the session runs on. */
    EventLoop eventLoop() {
        return client.channel().eventLoop();
    }

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The client's address as log lines show it. */
    String clientText() {
        return text(clientAddress);
    }

    long startedNanos() {
        return started;
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    /** Whether what is read from now on is payload: the PROXY header, read before, is not. */
    boolean relaying() {
        return phase == Phase.RELAYING;
    }

    boolean spliced() {
        return spliced;
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
        Channel ch = client.channel();
        if ((earlyCost >= ch.config().getWriteBufferHighWaterMark() || !withinBudget) && ch.config().isAutoRead()) {
            ch.config().setAutoRead(false);
            EpollRegistrationPin.watchHangUp(ch, false);
            hangUpUnwatched = true;
        }
    }

    /** Gives the held bytes' memory back to the budget; the buffers are written or released. */
    private void dropEarly() {
        options.earlyData().give(earlyCost);
        early = null; // null means nothing held
        earlyCost = 0;
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

    /**
     * Admission passed: the session holds its client's unit, counts as started, and seeks a server
     * among the service's servers as they are now.
     */
    void admit() {
        admitted = true;
        service.started();
        upstream = service.upstream();
        attempt = upstream.newAttempt().reset(clientAddress.getAddress(), clientAddress.getPort());
        phase = Phase.CONNECTING;
    }

    /** How many servers this session has picked so far. */
    int picks() {
        return attempt.picks();
    }

    /** Picks the next server to try and holds its slot; null when none can take the session. */
    ServerState pick() {
        picked = upstream.select(attempt);
        return picked;
    }

    /** The connect to the picked server is under way on {@code backend}. */
    void connecting(Channel backend) {
        server.channel(backend);
    }

    /** The picked server is not to be used (its connect failed, or a reload removed it): its slot goes back. */
    void dropPicked() {
        picked.release();
        picked = null;
        server.channel(null);
    }

    /**
     * The server connection is up: what the client sent meanwhile goes first, after whatever the
     * caller wrote (a PROXY header); then the client's pipeline gives way to the relay, both sides
     * read, and a FIN the client sent while connecting is passed on.
     */
    void relay() {
        Channel backend = server.channel();
        Channel ch = client.channel();
        // The server is chosen for good: the Attempt goes (about 280 bytes that an idle session
        // would otherwise hold for its whole life), its count of tries stays for the access log.
        tries = attempt.picks();
        attempt = null;
        phase = Phase.RELAYING;
        if (early != null) {
            for (ByteBuf b; (b = early.poll()) != null; ) {
                transferred(client, b.readableBytes());
                backend.write(b);
            }
            dropEarly();
        }
        backend.flush();
        ch.pipeline().remove(Frontend.NAME);
        ch.pipeline().addLast(Relay.NAME, new Relay(this, client));
        backend.pipeline().addLast(Relay.NAME, new Relay(this, server));
        if (options.splice() && EpollSplicer.canSplice(ch, backend)) {
            spliced = true;
            EpollSplicer.start(this);
        }
        if (hangUpUnwatched) {
            EpollRegistrationPin.watchHangUp(ch, true);
        }
        client.resumeReading();
        backend.config().setAutoRead(true);
        if (client.inputShut()) {
            // The client sent everything and its FIN while we were connecting: pass the FIN on.
            inputShutdown(client);
        }
        idleWatch = new IdleWatch(this, options.idleTimeoutNanos());
        idleWatch.start();
    }

    /** {@code bytes} came from {@code from}: counted for the session, its server and its idle time. */
    void transferred(Side from, int bytes) {
        from.read(bytes);
        // Live, so /metrics shows the bytes of long sessions while they run.
        if (from == client) {
            picked.addBytes(bytes, 0);
        } else {
            picked.addBytes(0, bytes);
        }
        lastActivity = System.nanoTime();
    }

    /** A FIN arrived from one side: pass it on once what came before it is written, keep the other way open. */
    void inputShutdown(Side from) {
        if (ended()) {
            // A reset ended it: Netty shuts the input after the read error that reported it.
            return;
        }
        Channel source = from.channel();
        if (!spliced && !from.peer().finished() && TcpState.reset(source)) {
            // A reset whose error a failed read or write already took reads as the end of input:
            // it is still a reset to pass on. A connection can only end in order once this side
            // has had our FIN (the other side's, passed on); before that, a closed socket was reset.
            resetBy(from);
            return;
        }
        if (firstClose == null) {
            firstClose = from.closedEnd();
        }
        Side to = from.peer();
        if (spliced && to.active()) {
            // Copy what the kernel still holds behind the FIN now, queued behind the splices
            // already on their way to the peer; the FIN follows once all of it is written.
            Leftovers.passOn(this, from);
        }
        from.finish();
        if (from.peer().finished()) {
            end(firstClose);
            return;
        }
        if (to.active()) {
            Channel peer = to.channel();
            if (Side.nothingToSend(peer)) {
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
            } catch (IOException | java.nio.channels.NotYetConnectedException e) {
                // ENOTCONN: the peer reset the connection before the FIN could go (a server that
                // answered and reset, a client gone). Nothing is left to half-close.
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
    void resetBy(Side from) {
        if (ended()) {
            return;
        }
        Channel source = from.channel();
        // Read directly only from a socket whose connection is gone: nothing can make that read wait.
        if (relaying() && from.peer().active() && source != null && Leftovers.readable(source)
                && TcpState.reset(source)) {
            Leftovers.passOn(this, from);
            from.peer().channel().flush();
        }
        end(from.resetEnd());
    }

    /** A channel closed: the session ends as the side that closed first ended it. */
    void closed(Side side) {
        end(firstClose != null ? firstClose : side.closedEnd());
    }

    /**
     * Ends the session once: closes both sides (in order, or with a reset where one side reset),
     * releases the server slot and the admission units, counts and logs it.
     */
    void end(SessionEnd why) {
        if (ended()) {
            return;
        }
        phase = Phase.ENDED;
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
        Side toReset = switch (why) {
            case CLIENT_RESET -> server;
            case SERVER_RESET, PROXY_HEADER_INVALID -> client;
            default -> null;
        };
        close(client.channel(), client == toReset);
        if (server.channel() != null) {
            close(server.channel(), server == toReset);
        }
        if (picked != null) {
            picked.release();
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
                    picked == null ? "-" : picked.name(), attempt == null ? tries : attempt.picks(),
                    client.bytesRead(), server.bytesRead(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), why.label());
        }
    }

    /** How it ended; null while open. */
    SessionEnd end() {
        return end;
    }

    private static void close(Channel ch, boolean reset) {
        if (!ch.isOpen()) {
            return;
        }
        if (reset) {
            // What the other side did to us, after what it sent before.
            PassedOnReset.resetOnceDelivered(ch);
        } else if (Side.nothingToSend(ch)) {
            // An empty write to a channel whose output is shut fails with an exception, and its
            // stack trace was a few per cent of the CPU per new connection.
            ch.close();
        } else {
            // Close once what is queued has gone out.
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String text(InetSocketAddress a) {
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
