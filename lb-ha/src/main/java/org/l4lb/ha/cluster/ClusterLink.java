package org.l4lb.ha.cluster;

import java.io.IOException;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's link to its group: the JGroups channel, its views, and the adverts sent and heard.
 * What comes in is handed to the {@link Listener} on JGroups' threads, as is.
 */
public final class ClusterLink implements Receiver, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterLink.class);
    /** The first byte of a message of persistence bindings; an advert's is its version, 2. */
    public static final byte BINDINGS = 'B';

    /** Called on JGroups' threads: pass the event on, do not work there. */
    public interface Listener {
        void advert(Address from, Advert advert);

        void view(View view);

        /**
         * Cluster traffic came that does not unseal with this node's secret: from a node with
         * another one, or changed on the way. {@code notice}: that node's answer to ours.
         */
        void stranger(String sender, boolean notice);

        /** A batch of persistence bindings from another member, undecoded. */
        default void bindings(Address from, byte[] batch) {
        }
    }

    private final ClusterSettings settings;
    private final Listener listener;
    private volatile JChannel channel;

    public ClusterLink(ClusterSettings settings, Listener listener) {
        this.settings = settings;
        this.listener = listener;
    }

    /**
     * Builds the stack without joining: the key stretched from the secret takes a while on a JVM
     * that has compiled nothing yet, and can be done while the node does other work.
     */
    public void prepare() throws Exception {
        if (channel == null) {
            JChannel ch = ClusterChannel.create(settings, listener::stranger);
            ch.setReceiver(this);
            channel = ch;
        }
    }

    /** Joins the group; the first view has come when this returns. */
    public void connect() throws Exception {
        prepare();
        channel.connect(settings.group());
    }

    public Address address() {
        JChannel ch = channel;
        return ch == null ? null : ch.getAddress();
    }

    public boolean connected() {
        JChannel ch = channel;
        return ch != null && ch.isConnected();
    }

    public int viewSize() {
        JChannel ch = channel;
        View v = ch == null ? null : ch.getView();
        return v == null ? 0 : v.size();
    }

    /**
     * An advert is the latest state, not a log: no retransmission, no ordering, no bundling
     * delay. A lost one is replaced by the next; a partition heals without a backlog.
     */
    public void send(Advert advert) {
        JChannel ch = channel;
        if (ch == null || !ch.isConnected()) {
            return;
        }
        try {
            Message m = new BytesMessage(null, advert.encode());
            m.setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.DONT_BUNDLE);
            ch.send(m);
        } catch (Exception e) {
            LOG.debug("HA: advert not sent: {}", e.getMessage());
        }
    }

    /**
     * Sends a batch of persistence bindings to every other member: unlike an advert, reliably and
     * in order, since each batch holds bindings no later one repeats.
     */
    public void sendBindings(byte[] batch) {
        sendBindings(null, batch);
    }

    /** As {@link #sendBindings(byte[])}, to one member ({@code to}), or to all for null. */
    public void sendBindings(Address to, byte[] batch) {
        JChannel ch = channel;
        if (ch == null || !ch.isConnected()) {
            return;
        }
        try {
            Message m = new BytesMessage(to, batch);
            // Not to this node itself: it made them.
            m.setFlag(Message.TransientFlag.DONT_LOOPBACK);
            ch.send(m);
        } catch (Exception e) {
            LOG.debug("HA: persistence bindings not sent: {}", e.getMessage());
        }
    }

    /** The channel itself, for tests that cut the link inside the stack. */
    public JChannel channel() {
        return channel;
    }

    /** The stack's timings for another advert interval (a reload). */
    public void retime(long advertMillis) {
        JChannel ch = channel;
        if (ch != null) {
            ClusterChannel.retime(ch, advertMillis);
        }
    }

    @Override
    public void receive(Message msg) {
        Address from = msg.getSrc();
        JChannel ch = channel;
        if (from == null || ch == null || from.equals(ch.getAddress())) {
            return;
        }
        byte[] data = msg.getArray();
        if (data != null && data.length > 0 && data[0] == BINDINGS) {
            listener.bindings(from, data);
            return;
        }
        Advert advert;
        try {
            advert = Advert.decode(data);
        } catch (IOException | RuntimeException e) {
            LOG.warn("HA: dropped a message from {} that is no advert: {}", from, e.getMessage());
            return;
        }
        listener.advert(from, advert);
    }

    @Override
    public void viewAccepted(View v) {
        listener.view(v);
    }

    @Override
    public void close() {
        JChannel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }
}
