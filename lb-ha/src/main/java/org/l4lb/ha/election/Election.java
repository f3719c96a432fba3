package org.l4lb.ha.election;

import java.util.List;

/**
 * Who holds the virtual IPs: a pure function of the members in view, their adverts and the
 * preempt rules, so every case is unit-tested without a network.
 *
 * <ul>
 * <li>A node in FAULT never becomes master.</li>
 * <li>Candidates are members with a fresh advert, not in fault and not leaving (priority 0).</li>
 * <li>With {@code preempt}, the best candidate (effective priority, then address) is master; a
 *     node that would take over from a living master of lower priority waits {@code preempt-delay}
 *     first. A master that meets a better master steps down.</li>
 * <li>Without {@code preempt}, a living master keeps the role; only when there is none does the
 *     best candidate take it. Two masters (a healed partition) always end as one, the better.</li>
 * </ul>
 */
public final class Election {

    private Election() {
    }

    /**
     * @param self this node, as it would advertise itself now
     * @param others the other members of the current view
     * @param preemptWaitSince when this node started waiting to preempt, or -1
     */
    public record Input(Member self, List<Member> others, boolean preempt, long preemptDelayNanos, long now,
            long preemptWaitSince) {
    }

    /**
     * @param master who should hold the virtual IPs as far as this node can tell, or null
     * @param preemptWaitSince carry into the next call
     */
    public record Decision(HaState state, NodeId master, long preemptWaitSince, String reason) {
    }

    public static Decision decide(Input in) {
        Member self = in.self();
        Member best = self.candidate() ? self : null;
        Member livingMaster = null;
        for (Member m : in.others()) {
            if (m.candidate() && (best == null || m.beats(best))) {
                best = m;
            }
            if (m.livingMaster() && (livingMaster == null || m.beats(livingMaster))) {
                livingMaster = m;
            }
        }
        if (self.fault()) {
            return new Decision(HaState.FAULT, livingMaster == null ? null : livingMaster.id(), -1, "a tracked check failed");
        }
        if (!self.candidate()) {
            // Leaving (priority 0): hold on until someone else is master, so no gap opens.
            if (self.state() == HaState.MASTER && livingMaster == null) {
                return new Decision(HaState.MASTER, self.id(), -1, "handing over: waiting for a new master");
            }
            return new Decision(HaState.BACKUP, livingMaster == null ? null : livingMaster.id(), -1,
                    "leaving: priority 0");
        }
        boolean selfMaster = self.state() == HaState.MASTER;
        if (livingMaster == null) {
            if (selfMaster) {
                // Even if a better node is in view: it takes over by claiming MASTER (preempt), and
                // this node steps down when it sees that, so the VIPs are never unowned.
                return new Decision(HaState.MASTER, self.id(), -1, best == self ? "still the best candidate"
                        : "master until " + best.id() + " takes over");
            }
            if (best == self) {
                return new Decision(HaState.MASTER, self.id(), -1, "no master: highest priority takes over");
            }
            return new Decision(HaState.BACKUP, best == null ? null : best.id(), -1,
                    "no master yet: " + best.id() + " has the higher priority");
        }
        // Another node claims MASTER.
        if (selfMaster) {
            if (self.beats(livingMaster)) {
                return new Decision(HaState.MASTER, self.id(), -1, "two masters: this one wins (" + self.effective()
                        + " over " + livingMaster.effective() + ")");
            }
            return new Decision(HaState.BACKUP, livingMaster.id(), -1, "two masters: " + livingMaster.id() + " wins");
        }
        if (!in.preempt() || best != self) {
            return new Decision(HaState.BACKUP, livingMaster.id(), -1,
                    in.preempt() ? "master " + livingMaster.id() + " is the best candidate or waits on one"
                            : "nopreempt: master " + livingMaster.id() + " keeps the role");
        }
        // Preempt a living master of lower priority, after preempt-delay.
        long since = in.preemptWaitSince() < 0 ? in.now() : in.preemptWaitSince();
        if (in.now() - since >= in.preemptDelayNanos()) {
            return new Decision(HaState.MASTER, self.id(), -1, "preempting " + livingMaster.id() + " ("
                    + self.effective() + " over " + livingMaster.effective() + ")");
        }
        return new Decision(HaState.BACKUP, livingMaster.id(), since, "preempt-delay: waiting to take over from "
                + livingMaster.id());
    }
}
