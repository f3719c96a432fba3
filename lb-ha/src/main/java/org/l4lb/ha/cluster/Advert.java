package org.l4lb.ha.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.Member;
import org.l4lb.ha.election.NodeId;

/**
 * What a node announces every advert-interval.
 *
 * @param sequence grows with every advert of one node's life, so a late, reordered one is ignored
 * @param handoffAddress where a master passes this node's flows while it hands them off; empty
 *     when it cannot
 * @param handingOff the node stepped down and still serves the connections open on the VIPs
 * @param advertMillis the sender's advert interval, so that a receiver judges its adverts fresh by
 *     it while a reload changes the interval node by node; 0 from a node too old to send it
 * @param takesBindings the sender keeps copies of the others' persistence bindings; false from a
 *     node too old to, which is sent none (it would log each batch as a message it cannot read)
 */
public record Advert(NodeId id, String name, int priority, int effective, HaState state, boolean fault, long sequence,
        String handoffAddress, boolean handingOff, long advertMillis, boolean takesBindings) {

    private static final int VERSION = 2;

    /** An advert of this version, which takes bindings. */
    public Advert(NodeId id, String name, int priority, int effective, HaState state, boolean fault, long sequence,
            String handoffAddress, boolean handingOff, long advertMillis) {
        this(id, name, priority, effective, state, fault, sequence, handoffAddress, handingOff, advertMillis, true);
    }

    /** The sender as the election sees it. */
    public Member member(boolean fresh) {
        return new Member(id, priority, effective, state, fault, fresh);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(id.text());
            byte[] addr = id.address().toByteArray();
            out.writeByte(addr.length);
            out.write(addr);
            out.writeInt(id.port());
            out.writeUTF(name);
            out.writeShort(priority);
            out.writeShort(effective);
            out.writeByte(state.ordinal());
            out.writeBoolean(fault);
            out.writeLong(sequence);
            out.writeUTF(handoffAddress);
            out.writeBoolean(handingOff);
            // Last, and only read when present: a node of the version before reads up to here and
            // ignores the rest, so both can be in one group during an upgrade.
            out.writeLong(advertMillis);
            out.writeBoolean(takesBindings);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IOException for bytes that are not an advert of this version */
    public static Advert decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("advert version " + version + ", expected " + VERSION);
        }
        String text = in.readUTF();
        byte[] addr = new byte[in.readUnsignedByte()];
        in.readFully(addr);
        int port = in.readInt();
        String name = in.readUTF();
        int priority = in.readShort();
        int effective = in.readShort();
        int state = in.readUnsignedByte();
        boolean fault = in.readBoolean();
        long sequence = in.readLong();
        String handoffAddress = in.readUTF();
        boolean handingOff = in.readBoolean();
        long advertMillis = in.available() >= Long.BYTES ? in.readLong() : 0;
        boolean takesBindings = in.available() >= 1 && in.readBoolean();
        if (state >= HaState.values().length) {
            throw new IOException("unknown state " + state);
        }
        return new Advert(new NodeId(text, new BigInteger(addr), port), name, priority, effective,
                HaState.values()[state], fault, sequence, handoffAddress, handingOff, advertMillis, takesBindings);
    }
}
