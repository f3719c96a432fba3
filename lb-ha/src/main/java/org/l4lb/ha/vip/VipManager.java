package org.l4lb.ha.vip;

/** Adds and removes the virtual IPs as the node's state changes. Calls come from one thread. */
public interface VipManager {

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
