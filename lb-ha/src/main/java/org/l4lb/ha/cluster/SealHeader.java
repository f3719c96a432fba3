package org.l4lb.ha.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.Header;
import org.jgroups.PhysicalAddress;
import org.jgroups.util.Bits;
import org.jgroups.util.Util;

/**
 * What travels in clear beside a sealed message: who claims to send it, for the log line of a node
 * that cannot unseal it, and where to tell that sender so. Nothing in it is trusted.
 */
public final class SealHeader extends Header {

    static final short MAGIC_ID = 3701;

    private String sender = "";
    private PhysicalAddress replyTo;
    private boolean notice;

    public SealHeader() {
    }

    SealHeader(String sender, PhysicalAddress replyTo, boolean notice) {
        this.sender = sender == null ? "" : sender;
        this.replyTo = replyTo;
        this.notice = notice;
    }

    String sender() {
        return sender;
    }

    PhysicalAddress replyTo() {
        return replyTo;
    }

    /** A node's answer to traffic it could not unseal, which is answered in turn by nothing. */
    boolean notice() {
        return notice;
    }

    @Override
    public short getMagicId() {
        return MAGIC_ID;
    }

    @Override
    public Supplier<? extends Header> create() {
        return SealHeader::new;
    }

    @Override
    public int serializedSize() {
        return Bits.size(sender) + Util.size(replyTo) + 1;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        Bits.writeString(sender, out);
        Util.writeAddress(replyTo, out);
        out.writeBoolean(notice);
    }

    @Override
    public void readFrom(DataInput in) throws IOException, ClassNotFoundException {
        sender = Bits.readString(in);
        Address a = Util.readAddress(in);
        replyTo = a instanceof PhysicalAddress p ? p : null;
        notice = in.readBoolean();
    }

    @Override
    public String toString() {
        return sender + (replyTo == null ? "" : " (" + replyTo + ")");
    }
}
