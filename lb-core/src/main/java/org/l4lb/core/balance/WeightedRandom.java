package org.l4lb.core.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * nginx {@code random}: a server drawn at random in proportion to its weight. After 20 draws that
 * find no eligible server, round robin decides, as in {@link RandomTwo}.
 */
final class WeightedRandom extends WeightWalk {

    WeightedRandom(Pool pool) {
        super(pool);
    }

    @Override
    public int pick(Attempt a, long now) {
        WeightTable table = weights();
        if (table.total() == 0) {
            return roundRobin(a, now);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int tries = 0; tries < 20; tries++) {
            int p = table.serverAt(random.nextLong(table.total()));
            if (pool.candidate(a, p, now)) {
                return p;
            }
        }
        return roundRobin(a, now);
    }
}
