package org.l4lb.ha.vip;

import java.util.List;
import java.util.Optional;

/** Adds and removes the virtual IPs as the node's state changes. Calls come from one thread. */
public interface VipManager {

    /** Runs once before the node joins: removes the VIPs a previous life of this node left behind. */
    default void start() {
        release();
    }

    /** Takes the VIPs (idempotent: present ones are fine) and announces them. */
    void acquire();

    /** Announces the VIPs again (gratuitous ARP), e.g. after meeting another master. */
    void announce();

    /** Gives the VIPs up (idempotent: absent ones are fine); announcements still to come are dropped. */
    void release();

    /**
     * Drops the announcements still to come, keeping the VIPs: a node that stepped down must not
     * pull the clients back while it serves its stragglers.
     */
    default void silence() {
    }

    /**
     * Steps down keeping the VIPs, to serve the connections open on them while the clients move
     * to the new master, which passes this node their packets (a flow handoff): stops announcing
     * and answering ARP for them. {@link #release()} ends it; {@link #acquire()} too.
     *
     * @return false when this node cannot hand off: the caller releases the VIPs soon instead
     */
    default boolean keepQuietly() {
        silence();
        return false;
    }

    /** The address the new master passes this node's flows to while it hands off; empty when it cannot. */
    default Optional<String> handoffAddress() {
        return Optional.empty();
    }

    /** As master: passes the packets of VIP flows this node does not know to {@code to}, a node handing off; null stops. */
    default void passUnknownFlows(String to) {
    }

    /**
     * Takes another list of VIPs (a reload): the ones that are gone are removed if this node has
     * them; with {@code holding} (this node is master) the new ones are added and announced.
     */
    default void virtualIps(List<String> next, boolean holding) {
    }

    /** Leaves for good: releases the VIPs and removes whatever {@link #start()} set up. */
    default void close() {
        release();
    }

    VipManager NONE = new VipManager() {
        @Override
        public void acquire() {
        }

        @Override
        public void announce() {
        }

        @Override
        public void release() {
        }
    };
}
