package org.l4lb.core.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * nginx {@code random}: a server drawn at random in proportion to its weight. After 20 draws that
 * find no eligible server, round robin decides, as in {@link RandomTwo}.
 */
final class WeightedRandom implements Balancer {

    private final Pool pool;
    private final RoundRobin fallback;
    private volatile WeightTable weights;

    WeightedRandom(Pool pool) {
        this.pool = pool;
        this.fallback = new RoundRobin(pool);
        this.weights = new WeightTable(pool);
    }

    @Override
    public int pick(Attempt a, long now) {
        WeightTable table = weights;
        if (table.total() == 0) {
            return fallback.pick(a, now);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int tries = 0; tries < 20; tries++) {
            int p = table.serverAt(random.nextLong(table.total()));
            if (pool.candidate(a, p, now)) {
                return p;
            }
        }
        return fallback.pick(a, now);
    }

    @Override
    public void weightsChanged() {
        weights = new WeightTable(pool);
    }
}
