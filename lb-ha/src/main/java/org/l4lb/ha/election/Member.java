package org.l4lb.ha.election;

/**
 * What the election knows of one node: the latest advert it sent.
 *
 * @param priority configured priority, 1..254
 * @param effective priority after tracking; 0 means "leaving, do not elect me" (VRRP priority 0)
 * @param state the state it announced
 * @param fault a tracked check forced it to FAULT
 * @param fresh its last advert is younger than about 3 advert intervals
 */
public record Member(NodeId id, int priority, int effective, HaState state, boolean fault, boolean fresh) {

    /** May be elected: heard from lately, not in fault, not leaving. */
    public boolean candidate() {
        return fresh && !fault && effective > 0;
    }

    /** Claims to hold the virtual IPs and may keep them. */
    boolean livingMaster() {
        return candidate() && state == HaState.MASTER;
    }

    /** Wins against {@code o}: higher effective priority, then higher address. */
    public boolean beats(Member o) {
        if (effective != o.effective) {
            return effective > o.effective;
        }
        return id.compareTo(o.id) > 0;
    }
}
