package org.l4lb.ha.instance;

import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;

/**
 * What an {@link ElectionMachine} asks of the world. Each call returns at once: the machine runs
 * on the HA thread, and nothing that can wait (a command, a script) may run there.
 */
public interface Effects {

    /** Sends this advert to the group. */
    void send(Advert advert);

    /** Adds the VIPs and announces them, if this node is still master when that runs. */
    void acquire();

    /** Announces the VIPs once more, if this node is still master when that runs. */
    void announce();

    /**
     * This node lost the master role: stop announcing, keep the VIPs quietly when handing off
     * (or release them after the grace). When a handoff was asked for and the VIPs cannot be kept
     * quietly, {@link ElectionMachine#quietHoldRefused} is to be called back on the HA thread.
     */
    void steppedDown(boolean handOff);

    /** Releases the VIPs unless this node is master again when that runs. */
    void release();

    /** The node this master passes the packets of flows it does not know to; null for none. */
    void passUnknownFlows(String target);

    /** The address the others pass this node's flows to on a handoff; "" when it cannot hand off. */
    String handoffAddress();

    /** After every transition, for the notify script. */
    void transitioned(HaState next, int effectivePriority);
}
