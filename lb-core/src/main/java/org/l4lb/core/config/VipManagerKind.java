package org.l4lb.core.config;

/** Who adds and removes the virtual IPs on a state change. */
public enum VipManagerKind implements Named {
    /** {@code ip addr add/del} plus gratuitous ARP (keepalived's way). */
    IP,
    /** The notify script owns the VIP (cloud APIs). */
    SCRIPT,
    /** Nothing is done with addresses (tests, or VIPs handled elsewhere). */
    NONE
}
