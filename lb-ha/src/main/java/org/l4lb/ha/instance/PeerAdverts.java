package org.l4lb.ha.instance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jgroups.Address;
import org.jgroups.MergeView;
import org.jgroups.View;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.MasterDown;
import org.l4lb.ha.election.Member;

/**
 * The latest advert heard from each other member of the view, and what they add up to for the
 * election: who is a fresh candidate, whether everyone has been heard, whether another master is
 * about, whether everyone has been heard since a partition healed. Used on the election thread only.
 */
final class PeerAdverts {

    private record Heard(Advert advert, long at) {
    }

    /**
     * @param others every member heard, as the election sees it
     * @param freshOthers the adverts of those heard lately
     * @param allHeard every other member of the view has been heard at least once
     * @param allHeardSinceMerge and, after a merge view, since it came
     * @param otherMaster a member heard lately claims to be master
     * @param mergePending a merge view came and the master after it is not settled yet
     */
    record Summary(List<Member> others, List<Advert> freshOthers, boolean allHeard, boolean allHeardSinceMerge,
            boolean otherMaster, boolean mergePending) {
    }

    private long advertNanos;
    private final Map<Address, Heard> heard = new HashMap<>();
    private boolean mergePending;
    private long mergedAt;

    PeerAdverts(long advertNanos) {
        this.advertNanos = advertNanos;
    }

    /** This node's advert interval changed (a reload). */
    void advertNanos(long next) {
        this.advertNanos = next;
    }

    /**
     * Three intervals of the longer of this node's and the sender's: while a reload changes the
     * interval node by node, neither side takes the other for gone.
     */
    private long freshFor(Advert a) {
        return MasterDown.nanos(Math.max(advertNanos, a.advertMillis() * 1_000_000));
    }

    /**
     * Keeps {@code advert} as the latest of {@code from}, unless it is an older one of the same
     * life: adverts skip retransmission and ordering, so an older one may arrive late.
     *
     * @return how long {@code from} was not heard before this advert, in nanoseconds (0 for its
     *     first); -1 when the advert was not kept
     */
    long keep(Address from, Advert advert, long now) {
        Heard before = heard.get(from);
        if (before != null && before.advert().id().equals(advert.id()) && advert.sequence() <= before.advert().sequence()) {
            return -1;
        }
        heard.put(from, new Heard(advert, now));
        return before == null ? 0 : now - before.at();
    }

    /**
     * Forgets the members that left. A merge view means a partition healed: the other side may
     * have had a master that clients follow, and its adverts cannot be relied on to say so (it
     * may step down on ours before it is ever heard as master), so the merge stays pending until
     * everyone has been heard since.
     */
    void viewChanged(View v, long now) {
        heard.keySet().retainAll(v.getMembers());
        if (v instanceof MergeView) {
            mergePending = true;
            mergedAt = now;
        }
    }

    /** The view's other members as last heard. */
    Summary summarize(View view, Address self, long now) {
        List<Member> others = new ArrayList<>();
        List<Advert> freshOthers = new ArrayList<>();
        boolean allHeard = true;
        boolean allHeardSinceMerge = true;
        boolean otherMaster = false;
        if (view != null) {
            for (Address a : view.getMembers()) {
                if (a.equals(self)) {
                    continue;
                }
                Heard h = heard.get(a);
                if (h == null) {
                    allHeard = false;
                    continue;
                }
                allHeardSinceMerge &= !mergePending || h.at() >= mergedAt;
                Advert ad = h.advert();
                boolean fresh = now - h.at() <= freshFor(ad);
                others.add(ad.member(fresh));
                otherMaster |= fresh && ad.state() == HaState.MASTER;
                if (fresh) {
                    freshOthers.add(ad);
                }
            }
        }
        return new Summary(others, freshOthers, allHeard, allHeardSinceMerge, otherMaster, mergePending);
    }

    /**
     * The view's other members as an operator reads them: name, state and priorities as last
     * advertised, and how long ago; one not heard yet has no advert.
     */
    List<Peer> peers(View view, Address self, long now) {
        List<Peer> out = new ArrayList<>();
        if (view == null) {
            return out;
        }
        for (Address a : view.getMembers()) {
            if (a.equals(self)) {
                continue;
            }
            Heard h = heard.get(a);
            if (h == null) {
                out.add(new Peer(String.valueOf(a), null, null, 0, 0, false, -1));
                continue;
            }
            Advert ad = h.advert();
            out.add(new Peer(ad.name(), ad.id().text(), ad.state(), ad.priority(), ad.effective(), ad.fault(),
                    (now - h.at()) / 1_000_000));
        }
        return out;
    }

    /** Everyone has been heard since the merge and the election has run on it. */
    void mergeSettled() {
        mergePending = false;
    }
}
