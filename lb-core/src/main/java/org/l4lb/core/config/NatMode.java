package org.l4lb.core.config;

/**
 * What the kernel path rewrites: the destination and the source (the servers answer the node and
 * see its address; nothing changes on them), or the destination only (the servers route their
 * replies through the node, as with LVS NAT, and see the client's address).
 */
public enum NatMode implements Named {
    FULL, DESTINATION
}
