package org.l4lb.core.balance;

/**
 * A strategy that lands on a point of the runtime weights' ranges (nginx's weight walk), drawn or
 * hashed, and leaves the pick to round robin when its tries find no eligible server.
 */
abstract class WeightWalk implements Balancer {

    protected final Pool pool;
    private final RoundRobin fallback;
    private volatile WeightTable weights;

    WeightWalk(Pool pool) {
        this.pool = pool;
        this.fallback = new RoundRobin(pool);
        this.weights = new WeightTable(pool);
    }

    /** The table as of the last weight change: read once per pick, so one pick walks one table. */
    final WeightTable weights() {
        return weights;
    }

    final int roundRobin(Attempt a, long now) {
        return fallback.pick(a, now);
    }

    @Override
    public final void weightsChanged() {
        weights = new WeightTable(pool);
    }
}
