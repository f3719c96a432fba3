package org.l4lb.core.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * nginx {@code random two least_conn}: two servers drawn at random in proportion to their weights;
 * the one with fewer sessions relative to weight wins. After 20 draws that find no second eligible
 * server, round robin decides.
 */
final class RandomTwo extends WeightWalk {

    RandomTwo(Pool pool) {
        super(pool);
    }

    @Override
    public int pick(Attempt a, long now) {
        WeightTable table = weights();
        if (pool.size() < 2 || table.total() == 0) {
            return roundRobin(a, now);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = -1;
        for (int tries = 0; tries < 20; tries++) {
            int p = table.serverAt(random.nextLong(table.total()));
            if (p == first || !pool.candidate(a, p, now)) {
                continue;
            }
            if (first < 0) {
                first = p;
                continue;
            }
            long c1 = pool.get(first).sessions();
            long c2 = pool.get(p).sessions();
            long w1 = pool.get(first).effectiveWeight(now);
            long w2 = pool.get(p).effectiveWeight(now);
            return c2 * w1 < c1 * w2 ? p : first;
        }
        return first >= 0 ? first : roundRobin(a, now);
    }
}
