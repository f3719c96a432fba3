package org.l4lb.core.balance;

/**
 * A load-balancing strategy over one pool of servers (the primaries, or the backups).
 * Implementations are safe for many event loops at once and allocate nothing per pick.
 */
public interface Balancer {

    /**
     * Picks an eligible server the attempt has not tried.
     *
     * @return its index in the pool, or -1 when none is eligible
     */
    int pick(Attempt attempt, long now);

    /** The servers' runtime weights changed; rebuild whatever derives from them. */
    default void weightsChanged() {
    }
}
