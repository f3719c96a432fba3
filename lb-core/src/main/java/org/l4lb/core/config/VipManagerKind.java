package org.l4lb.core.config;

/** Who adds and removes the virtual IPs on a state change. */
public enum VipManagerKind implements Named {
    /** {@code ip addr add/del} plus gratuitous ARP (keepalived's way). */
    IP("ip"),
    /** The notify script owns the VIP (cloud APIs). */
    SCRIPT("script"),
    /** Nothing is done with addresses (tests, or VIPs handled elsewhere). */
    NONE("none");

    private final String configName;

    VipManagerKind(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
