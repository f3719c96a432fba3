package org.l4lb.core.balance;

/**
 * nginx {@code least_conn}: the fewest open sessions relative to weight; among servers tied at that
 * ratio, smooth weighted round robin.
 */
final class LeastConn implements Balancer {

    private final Pool pool;
    private final int[] current;

    LeastConn(Pool pool) {
        this.pool = pool;
        this.current = new int[pool.size()];
    }

    @Override
    public synchronized int pick(Attempt a, long now) {
        int best = -1;
        long bestConns = 0;
        long bestWeight = 1;
        boolean many = false;
        for (int i = 0; i < current.length; i++) {
            if (!pool.candidate(a, i, now)) {
                continue;
            }
            long conns = pool.get(i).sessions();
            long w = pool.get(i).effectiveWeight(now);
            if (best < 0 || conns * bestWeight < bestConns * w) {
                best = i;
                bestConns = conns;
                bestWeight = w;
                many = false;
            } else if (conns * bestWeight == bestConns * w) {
                many = true;
            }
        }
        if (!many) {
            return best;
        }
        int total = 0;
        int winner = -1;
        for (int i = best; i < current.length; i++) {
            if (!pool.candidate(a, i, now)) {
                continue;
            }
            long conns = pool.get(i).sessions();
            int w = pool.get(i).effectiveWeight(now);
            if (conns * bestWeight != bestConns * w) {
                continue;
            }
            current[i] += w;
            total += w;
            if (winner < 0 || current[i] > current[winner]) {
                winner = i;
            }
        }
        if (winner < 0) {
            // another event loop changed eligibility between the passes
            return best;
        }
        current[winner] -= total;
        return winner;
    }
}
