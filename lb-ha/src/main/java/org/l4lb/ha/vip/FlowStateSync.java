package org.l4lb.ha.vip;

/**
 * State of the flows that must follow the VIPs from node to node (the kernel's conntrack entries,
 * copied by conntrackd), moved in order with the VIP work on the VIP thread.
 */
public interface FlowStateSync {

    /** Does nothing: no state follows the VIPs. */
    FlowStateSync NONE = new FlowStateSync() {
        @Override
        public void beforeTakingVips() {
        }

        @Override
        public void steppedDown() {
        }
    };

    /**
     * This node is about to take the VIPs: what it holds of the old master's flows must be in its
     * kernel before their first packet arrives here.
     */
    void beforeTakingVips();

    /** This node stopped being master: from now on it keeps a copy of the new master's flows. */
    void steppedDown();
}
