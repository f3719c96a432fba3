package org.l4lb.ha.vip;

/** Adds and removes the virtual IPs as the node's state changes. Calls come from one thread. */
public interface VipManager {

    /** Takes the VIPs (idempotent: present ones are fine) and announces them. */
    void acquire();

    /** Announces the VIPs again (gratuitous ARP), e.g. after meeting another master. */
    void announce();

    /** Gives the VIPs up (idempotent: absent ones are fine). */
    void release();

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
