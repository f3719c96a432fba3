package org.l4lb.ha.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.Member;
import org.l4lb.ha.election.NodeId;

/** Which node a master passes the flows it does not know to. */
class HandoffTargetTest {

    private static final Member ME = new Member(id("10.99.0.5"), 150, 150, HaState.MASTER, false, true);

    private static NodeId id(String ip) {
        try {
            return NodeId.of(InetAddress.getByName(ip), 7800);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Advert advert(String ip, int effective, HaState state, String handoff, boolean handingOff) {
        return new Advert(id(ip), ip, effective, effective, state, false, 1, handoff, handingOff, 1000);
    }

    @Test
    void aMasterThisNodeTakesOverFromGetsTheFlows() {
        assertThat(HandoffTarget.choose(ME, List.of(advert("10.99.0.6", 100, HaState.MASTER, "10.99.1.6", false))))
                .isEqualTo("10.99.1.6");
    }

    @Test
    void aMasterThatBeatsThisOneNeverDoes() {
        // Both would pass to each other and bounce the packets between them.
        assertThat(HandoffTarget.choose(ME, List.of(advert("10.99.0.6", 200, HaState.MASTER, "10.99.1.6", false))))
                .isNull();
    }

    @Test
    void aNodeHandingOffWinsOverAMasterSteppingDown() {
        List<Advert> others = List.of(advert("10.99.0.6", 100, HaState.MASTER, "10.99.1.6", false),
                advert("10.99.0.7", 100, HaState.BACKUP, "10.99.1.7", true));
        assertThat(HandoffTarget.choose(ME, others)).isEqualTo("10.99.1.7");
    }

    @Test
    void backupsAndNodesWithoutAHandoffAddressAreNotChosen() {
        List<Advert> others = List.of(advert("10.99.0.6", 100, HaState.BACKUP, "10.99.1.6", false),
                advert("10.99.0.7", 100, HaState.MASTER, "", false),
                advert("10.99.0.8", 100, HaState.BACKUP, "", true));
        assertThat(HandoffTarget.choose(ME, others)).isNull();
    }
}
