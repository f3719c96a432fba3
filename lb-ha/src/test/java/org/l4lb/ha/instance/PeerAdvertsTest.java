package org.l4lb.ha.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.NodeId;

class PeerAdvertsTest {

    private static final long SECOND = 1_000_000_000L;

    private static Advert from(long advertMillis) throws Exception {
        return new Advert(NodeId.of(InetAddress.getByName("10.99.0.12"), 7800), "lb2", 100, 100, HaState.MASTER, false, 1,
                "", false, advertMillis);
    }

    @Test
    void anotherNodesAdvertsAreJudgedByTheLongerOfBothIntervals() throws Exception {
        Address self = UUID.randomUUID();
        Address other = UUID.randomUUID();
        View view = View.create(self, 1, self, other);
        PeerAdverts peers = new PeerAdverts(SECOND);
        peers.keep(other, from(3000), 0);
        assertThat(peers.summarize(view, self, 8 * SECOND).otherMaster())
                .as("it sends every 3 s: heard 8 s ago is still fresh").isTrue();
        assertThat(peers.summarize(view, self, 10 * SECOND).otherMaster()).as("10 s is three of its intervals and more").isFalse();

        PeerAdverts old = new PeerAdverts(SECOND);
        old.keep(other, from(0), 0);
        assertThat(old.summarize(view, self, 4 * SECOND).others()).as("no interval sent: this node's own")
                .singleElement().matches(m -> !m.fresh());

        peers.advertNanos(5 * SECOND);
        assertThat(peers.summarize(view, self, 14 * SECOND).otherMaster()).as("this node's interval grew to 5 s").isTrue();
        assertThat(peers.summarize(view, self, 16 * SECOND).otherMaster()).isFalse();
    }
}
