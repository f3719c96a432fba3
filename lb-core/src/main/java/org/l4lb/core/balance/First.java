package org.l4lb.core.balance;

/**
 * HAProxy {@code balance first}: the first server in declared order with a free slot, so the
 * others can be powered down until {@code max-conns} fills the first ones.
 */
final class First implements Balancer {

    private final Pool pool;

    First(Pool pool) {
        this.pool = pool;
    }

    @Override
    public int pick(Attempt a, long now) {
        for (int i = 0; i < pool.size(); i++) {
            if (pool.candidate(a, i, now)) {
                return i;
            }
        }
        return -1;
    }
}
