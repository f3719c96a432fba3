package org.l4lb.core.config;

/**
 * A service's data path.
 *
 * @param nat with {@link Forwarding#KERNEL}, what the kernel rewrites
 */
public record ForwardingConfig(Forwarding mode, NatMode nat) {

    public static final ForwardingConfig PROXY = new ForwardingConfig(Forwarding.PROXY, NatMode.FULL);

    public boolean kernel() {
        return mode == Forwarding.KERNEL;
    }
}
