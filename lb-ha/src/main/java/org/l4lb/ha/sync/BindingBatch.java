package org.l4lb.ha.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.l4lb.core.balance.Persistence;
import org.l4lb.ha.cluster.ClusterLink;

/** Persistence bindings on the wire, a bounded number per message. */
final class BindingBatch {

    /** About 20 KB a message: small enough not to hold an advert back on the same connection for long. */
    static final int MAX_ENTRIES = 500;
    private static final int VERSION = 1;

    /** One binding of one service. */
    record Item(String service, Persistence.Binding binding) {
    }

    private BindingBatch() {
    }

    static byte[] encode(List<Item> items) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + items.size() * 40);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(ClusterLink.BINDINGS);
            out.writeByte(VERSION);
            out.writeShort(items.size());
            for (Item i : items) {
                out.writeUTF(i.service());
                byte[] client = i.binding().client();
                out.writeByte(client.length);
                out.write(client);
                out.writeUTF(i.binding().server());
                out.writeInt((int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(i.binding().ageNanos())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Item> decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readUnsignedByte() != (ClusterLink.BINDINGS & 0xff)) {
            throw new IOException("not a batch of bindings");
        }
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("bindings version " + version + ", expected " + VERSION);
        }
        int n = in.readUnsignedShort();
        List<Item> items = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            String service = in.readUTF();
            int length = in.readUnsignedByte();
            if (length != 4 && length != 16) {
                throw new IOException("a client address of " + length + " bytes");
            }
            byte[] client = new byte[length];
            in.readFully(client);
            String server = in.readUTF();
            long age = TimeUnit.MILLISECONDS.toNanos(Math.max(0, in.readInt()));
            items.add(new Item(service, new Persistence.Binding(client, server, age)));
        }
        return items;
    }
}
