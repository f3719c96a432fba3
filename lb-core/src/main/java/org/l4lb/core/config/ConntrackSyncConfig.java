package org.l4lb.core.config;

/**
 * Replication of the kernel-forwarded flows' conntrack entries to the peer with conntrackd (FTFW
 * over UDP), so that a new master carries on the flows of one that crashed.
 *
 * @param address this node's address for the sync traffic
 * @param peer the peer's address for the sync traffic
 * @param networkInterface the interface that holds {@code address}; empty: looked up at the start
 * @param port the UDP port both ends use
 */
public record ConntrackSyncConfig(boolean enabled, String address, String peer, String networkInterface, int port) {

    public static final ConntrackSyncConfig OFF = new ConntrackSyncConfig(false, "", "", "", 3780);
}
