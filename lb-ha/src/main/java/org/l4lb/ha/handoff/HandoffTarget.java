package org.l4lb.ha.handoff;

import java.util.List;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.Member;

/** Who a master passes the flows it does not know to, from the others' current adverts. */
public final class HandoffTarget {

    private HandoffTarget() {
    }

    /**
     * A node handing off, else a master this one takes over from (that one hands off as soon as it
     * hears it lost). Never a master that beats this one: two masters passing to each other would
     * bounce packets between them. Nodes without a handoff address are never chosen.
     *
     * @param freshOthers the adverts of the other nodes heard lately
     * @return the handoff address to pass unknown flows to, or null for none
     */
    public static String choose(Member me, List<Advert> freshOthers) {
        String target = null;
        for (Advert a : freshOthers) {
            if (a.handoffAddress().isEmpty()) {
                continue;
            }
            if (a.handingOff()) {
                return a.handoffAddress();
            }
            if (a.state() == HaState.MASTER && me.beats(a.member(true))) {
                target = a.handoffAddress();
            }
        }
        return target;
    }
}
