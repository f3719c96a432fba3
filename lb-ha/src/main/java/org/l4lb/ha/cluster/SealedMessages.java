package org.l4lb.ha.cluster;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArray;
import org.jgroups.util.FastArray;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Util;

/**
 * Seals every message of the group, whole (headers, flags, sender and payload), with AES-GCM keyed
 * by the shared secret, directly above the transport: discovery, failure detection, membership and
 * adverts alike. What does not unseal (another secret, or bytes changed on the way: GCM's tag
 * covers integrity, which JGroups' own SYM_ENCRYPT in CBC mode did not) is dropped before any
 * protocol sees it, and reported; its sender, if it says where it listens, is sent a notice that
 * it cannot unseal either, so that a node with a wrong secret learns that its peers are there.
 */
public final class SealedMessages extends Protocol {

    static final short PROTOCOL_ID = 3700;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    /** Notices to one address: at most one per second, however much it sends. */
    private static final long NOTICE_INTERVAL = TimeUnit.SECONDS.toNanos(1);

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, SealedMessages.class);
        ClassConfigurator.addIfAbsent(SealHeader.MAGIC_ID, SealHeader.class);
    }

    /** Told of every message that did not unseal, on JGroups' threads. */
    public interface Strangers {
        void heard(String sender, boolean notice);
    }

    private final SecretKey key;
    private final byte[] associated;
    private final String name;
    private final Strangers strangers;
    private final SecureRandom random = new SecureRandom();
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(SealedMessages::newCipher);
    private final Map<PhysicalAddress, Long> lastNotice = new ConcurrentHashMap<>();

    /**
     * @param group bound into every seal, so a message of one group never unseals in another
     * @param name this node's name, sent in clear for the log lines of nodes that cannot unseal
     */
    public SealedMessages(SecretKey key, String group, String name, Strangers strangers) {
        this.key = key;
        this.associated = ("l4lb-group:" + group).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.name = name;
        this.strangers = strangers;
        this.id = PROTOCOL_ID;
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Object down(Message msg) {
        try {
            return down_prot.down(seal(msg, false));
        } catch (Exception e) {
            log.warn("%s: message not sealed, not sent: %s", local_addr, e);
            return null;
        }
    }

    Message seal(Message msg, boolean notice) throws Exception {
        if (msg.getSrc() == null) {
            msg.setSrc(local_addr); // sealed with it, so nobody can claim another sender
        }
        ByteArray plain = Util.messageToBuffer(msg);
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        Cipher c = ciphers.get();
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(associated);
        byte[] sealed = new byte[NONCE + c.getOutputSize(plain.getLength())];
        System.arraycopy(nonce, 0, sealed, 0, NONCE);
        c.doFinal(plain.getArray(), plain.getOffset(), plain.getLength(), sealed, NONCE);
        Message out = new BytesMessage(msg.getDest()).setArray(sealed).setSrc(msg.getSrc());
        out.setFlag(msg.getFlags(false), false);
        out.setFlag(msg.getFlags(true), true);
        var transport = getTransport();
        return out.putHeader(id, new SealHeader(name, transport == null ? null : transport.localPhysicalAddress(), notice));
    }

    @Override
    public Object up(Message msg) {
        Message inner = unseal(msg);
        return inner == null ? null : up_prot.up(inner);
    }

    @Override
    public void up(MessageBatch batch) {
        @SuppressWarnings("unchecked")
        FastArray<Message>.FastIterator it = (FastArray<Message>.FastIterator) batch.iterator();
        while (it.hasNext()) {
            Message inner = unseal(it.next());
            if (inner == null) {
                it.remove();
            } else {
                it.replace(inner);
            }
        }
        if (!batch.isEmpty()) {
            up_prot.up(batch);
        }
    }

    /** The message as it was sealed, or null (reported) when it does not unseal. */
    Message unseal(Message msg) {
        SealHeader header = msg.getHeader(id);
        try {
            if (header == null || msg.getLength() < NONCE + TAG_BITS / 8) {
                throw new GeneralSecurityException("not sealed");
            }
            Cipher c = ciphers.get();
            byte[] in = msg.getArray();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, msg.getOffset(), NONCE));
            c.updateAAD(associated);
            byte[] plain = c.doFinal(in, msg.getOffset() + NONCE, msg.getLength() - NONCE);
            Message inner = Util.messageFromBuffer(plain, 0, plain.length);
            if (msg.getSrc() != null && !msg.getSrc().equals(inner.getSrc())) {
                throw new GeneralSecurityException("sealed by " + inner.getSrc() + ", sent as " + msg.getSrc());
            }
            return inner;
        } catch (Exception e) {
            stranger(msg, header);
            return null;
        }
    }

    private void stranger(Message msg, SealHeader header) {
        boolean notice = header != null && header.notice();
        strangers.heard(header == null || header.sender().isEmpty() ? String.valueOf(msg.getSrc()) : header.toString(), notice);
        PhysicalAddress to = header == null ? null : header.replyTo();
        if (notice || to == null) {
            return;
        }
        long now = System.nanoTime();
        Long last = lastNotice.get(to);
        if (last != null && now - last < NOTICE_INTERVAL) {
            return;
        }
        lastNotice.put(to, now);
        if (lastNotice.size() > 1024) {
            lastNotice.clear(); // bounded whatever addresses a flood claims
        }
        try {
            down_prot.down(seal(new BytesMessage(to).setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE), true));
        } catch (Exception e) {
            log.debug("%s: no notice to %s: %s", local_addr, to, e);
        }
    }
}
