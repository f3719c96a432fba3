package org.l4lb.ha.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** Sealing: only the same secret and group unseal, and a changed byte anywhere is refused. */
class SealedMessagesTest {

    private final List<String> strangers = new ArrayList<>();

    private SealedMessages node(String secret, String group) throws Exception {
        SealedMessages p = new SealedMessages(ClusterChannel.key(secret, group), group, "n1", (who, notice) -> strangers.add(who));
        p.setAddress(UUID.randomUUID());
        return p;
    }

    private static Message advert() {
        return new BytesMessage(null, "priority=150 state=MASTER".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSameSecretUnsealsWhatWasSent() throws Exception {
        SealedMessages a = node("the-right-shared-secret", "g");
        Message sealed = a.seal(advert(), false);
        assertThat(new String(sealed.getArray(), sealed.getOffset(), sealed.getLength(), StandardCharsets.ISO_8859_1))
                .doesNotContain("MASTER");
        Message back = node("the-right-shared-secret", "g").unseal(sealed);
        assertThat(new String(back.getArray(), back.getOffset(), back.getLength(), StandardCharsets.UTF_8))
                .isEqualTo("priority=150 state=MASTER");
        assertThat(strangers).isEmpty();
    }

    @Test
    void anotherSecretOrGroupUnsealsNothingAndIsReported() throws Exception {
        Message sealed = node("the-right-shared-secret", "g").seal(advert(), false);
        assertThat(node("a-wrong-shared-secret", "g").unseal(sealed)).isNull();
        assertThat(node("the-right-shared-secret", "other").unseal(sealed)).isNull();
        assertThat(strangers).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("n1"));
    }

    @Test
    void everyChangedBitIsRefused() throws Exception {
        SealedMessages a = node("the-right-shared-secret", "g");
        Message sealed = a.seal(advert(), false);
        byte[] original = java.util.Arrays.copyOfRange(sealed.getArray(), sealed.getOffset(), sealed.getOffset() + sealed.getLength());
        // CBC without a MAC lets a flipped bit through as garbled plain text; a seal refuses every one.
        for (int bit = 0; bit < original.length * 8; bit++) {
            byte[] changed = original.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            Message tampered = new BytesMessage(null, changed).setSrc(sealed.getSrc());
            tampered.putHeader(SealedMessages.PROTOCOL_ID, sealed.getHeader(SealedMessages.PROTOCOL_ID));
            assertThat(a.unseal(tampered)).as("bit %d changed", bit).isNull();
        }
        assertThat(strangers).hasSize(original.length * 8);
    }
}
