package org.l4lb.ha.track;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * keepalived's {@code vrrp_sync_group}: instances of one node that must move together. Each member
 * reads the group's tracking instead of its own alone: the deepest fall of any member's priority
 * (the sum of its failing checks' weights) lowers every member's, and a member forced to FAULT
 * forces the others. With the same priorities on every node, the members then win or lose their
 * elections together; a member's own election (a peer's higher priority) is still its own.
 */
public final class SyncGroup {

    private final String name;
    /** Instance name to its tracking; written while the node is built, before any election. */
    private final Map<String, Tracking> members = new LinkedHashMap<>();

    public SyncGroup(String name) {
        this.name = name;
    }

    /** Makes {@code tracking} (instance {@code instance}'s) a member. */
    public synchronized void join(String instance, Tracking tracking) {
        members.put(instance, tracking);
        tracking.joined(this);
    }

    /** The lowest change any member's own checks make to its priority. */
    synchronized int offset() {
        int lowest = 0;
        for (Tracking t : members.values()) {
            lowest = Math.min(lowest, t.ownOffset());
        }
        return lowest;
    }

    /** The first other member's reason for FAULT, named so the log says where it comes from. */
    synchronized String faultOfOthers(Tracking self) {
        for (Map.Entry<String, Tracking> e : members.entrySet()) {
            if (e.getValue() == self) {
                continue;
            }
            String f = e.getValue().ownFault();
            if (f != null) {
                return "sync group " + name + ": instance " + e.getKey() + ": " + f;
            }
        }
        return null;
    }

    /** The other members' failing checks, each named with its member. */
    synchronized java.util.List<String> othersFailing(Tracking self) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Tracking> e : members.entrySet()) {
            if (e.getValue() != self) {
                for (String f : e.getValue().ownFailing()) {
                    out.add("sync group " + name + ": instance " + e.getKey() + ": " + f);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
