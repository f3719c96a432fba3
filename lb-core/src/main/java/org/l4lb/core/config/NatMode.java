package org.l4lb.core.config;

/**
 * What the kernel path rewrites: the destination and the source (the servers answer the node and
 * see its address; nothing changes on them), or the destination only (the servers route their
 * replies through the node, as with LVS NAT, and see the client's address), or nothing but the
 * frame's MAC addresses (direct server return, LVS DR: the servers hold the VIP and answer the
 * client themselves).
 */
public enum NatMode implements Named {
    FULL, DESTINATION, DSR
}
