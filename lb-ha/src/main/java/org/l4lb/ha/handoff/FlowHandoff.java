package org.l4lb.ha.handoff;

import java.util.Map;

/**
 * The packet plumbing of a flow handoff. Calls come from one thread. Each step is idempotent, and
 * every step after a failed {@link #install()} does nothing: a node without it moves the VIPs as
 * keepalived does, resetting the connections open at the move.
 */
public interface FlowHandoff {

    /**
     * Checks that the handoff works here and clears what a previous life of this node left.
     *
     * @return false when the handoff cannot work here (logged once); the other steps then do nothing
     */
    boolean install();

    /**
     * Keeps this node from answering ARP for the VIPs (and from announcing them) while it holds them.
     *
     * @return false when that failed (logged) or the handoff is not installed
     */
    boolean quiet();

    /** Lets this node answer ARP for the VIPs again. */
    void speak();

    /**
     * Passes the packets to each VIP that belong to no flow this node knows (its new connections
     * start with a SYN) to {@code to} over the VIP's interface; {@code null} stops.
     *
     * @param devices the interface of each VIP address
     */
    void passUnknownFlows(String to, Map<String, String> devices);

    /** Takes another list of IPv4 VIP addresses (a reload); the next step uses it. */
    default void addresses(java.util.List<String> vips) {
    }

    /** Removes everything {@link #install()} and the other steps set up. */
    void uninstall();

    FlowHandoff OFF = new FlowHandoff() {
        @Override
        public boolean install() {
            return false;
        }

        @Override
        public boolean quiet() {
            return false;
        }

        @Override
        public void speak() {
        }

        @Override
        public void passUnknownFlows(String to, Map<String, String> devices) {
        }

        @Override
        public void uninstall() {
        }
    };
}
