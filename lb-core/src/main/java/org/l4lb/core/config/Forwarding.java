package org.l4lb.core.config;

/** Who moves a service's bytes: this process (a TCP proxy), or the kernel (nftables NAT, as LVS does). */
public enum Forwarding implements Named {
    PROXY, KERNEL
}
