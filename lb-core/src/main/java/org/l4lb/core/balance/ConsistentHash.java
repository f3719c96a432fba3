package org.l4lb.core.balance;

import org.l4lb.core.config.HashKey;

/**
 * nginx {@code hash KEY consistent} ({@code ngx_http_upstream_get_chash_peer}): the key's crc32
 * finds the first ring point at or after it; an ineligible server moves on to the next point,
 * around the whole ring at most (as current nginx does), so only the keys of a removed server move.
 */
final class ConsistentHash implements Balancer {

    private final Pool pool;
    private final HashKey key;
    private volatile KetamaRing ring;

    ConsistentHash(Pool pool, HashKey key) {
        this.pool = pool;
        this.key = key;
        this.ring = new KetamaRing(pool);
    }

    @Override
    public int pick(Attempt a, long now) {
        KetamaRing r = ring;
        if (a.ringPosition < 0) {
            int len = a.key(key);
            a.ringPosition = r.find(Crc32.of(a.keyText, 0, len));
        }
        while (a.hashTries < r.size()) {
            int p = r.serverAt(a.ringPosition);
            if (pool.candidate(a, p, now)) {
                return p;
            }
            a.ringPosition++;
            a.hashTries++;
        }
        return -1;
    }

    @Override
    public void weightsChanged() {
        ring = new KetamaRing(pool);
    }
}
