package org.l4lb.core.balance;

/**
 * nginx smooth weighted round robin ({@code ngx_http_upstream_get_peer}): each eligible server adds
 * its effective weight to its current weight, the highest current weight wins and pays back the sum.
 * Weights 5,1,1 give a a b a c a a. O(n) per pick, as in nginx; a lock keeps the sequence exact
 * across event loops.
 */
final class RoundRobin implements Balancer {

    private final Pool pool;
    private final int[] current;

    RoundRobin(Pool pool) {
        this.pool = pool;
        this.current = new int[pool.size()];
    }

    @Override
    public synchronized int pick(Attempt a, long now) {
        int best = -1;
        int total = 0;
        for (int i = 0; i < current.length; i++) {
            if (!pool.candidate(a, i, now)) {
                continue;
            }
            int w = pool.get(i).effectiveWeight(now);
            current[i] += w;
            total += w;
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best >= 0) {
            current[best] -= total;
        }
        return best;
    }
}
