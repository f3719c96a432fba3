package org.l4lb.core.balance;

/**
 * Cumulative runtime weights of a pool (down servers included, as nginx's {@code total_weight}),
 * so "walk the weights" is a binary search instead of a scan.
 */
final class WeightTable {

    private final int[] upTo;
    private final long total;

    WeightTable(Pool pool) {
        upTo = new int[pool.size()];
        long sum = 0;
        for (int i = 0; i < pool.size(); i++) {
            sum += pool.get(i).weight();
            upTo[i] = (int) sum;
        }
        total = sum;
    }

    long total() {
        return total;
    }

    /** The server whose weight range holds {@code w} (0 <= w < total), as nginx's weight walk. */
    int serverAt(long w) {
        int lo = 0;
        int hi = upTo.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (w < upTo[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
